"""The thread pool: its work queue, worker loop and threads."""
