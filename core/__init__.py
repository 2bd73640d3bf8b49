"""What every layer shares and none owns: the injectable clock, the process runtime and the
states a row can be in.

It sits below mentoring/, messaging/ and storage/ so that each may use it without an arrow
pointing up (ARCHITECTURE.md, "Layers").
"""
