class TransitionError(Exception):
    """A change the meeting's lifecycle does not allow (editing an ended meeting, …)."""
