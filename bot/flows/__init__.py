"""The flows: each module handles the steps of one part of the conversation."""
