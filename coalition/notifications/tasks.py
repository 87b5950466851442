"""Where the notifications app's tasks lived before they moved beside the code they run
(`outbox.deliver_email`, `digest.send_digest_task`). Tasks queued under these names by an earlier
version are still found here by the worker."""

from coalition.notifications.digest import send_digest_task as send_digest
from coalition.notifications.outbox import deliver_email

__all__ = ["deliver_email", "send_digest"]
