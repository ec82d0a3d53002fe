from django.db import models


class AttemptWindow(models.Model):
    """How many attempts one key (an address, an account) made in one window of a limit.

    Only the current window of each key is kept: the first attempt of a new
    window removes the scope's older ones (see meetings_site/limits.py).
    """

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="attempt_window_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["scope", "window_start"], name="attempt_window_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.attempts} since {self.window_start:%H:%M}"
