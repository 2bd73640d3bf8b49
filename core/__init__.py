"""What every layer shares and none owns: the injectable clock and the process runtime.

It sits below mentoring/ and messaging/ so that both may use it without an arrow pointing up
(ARCHITECTURE.md, "Layers").
"""
