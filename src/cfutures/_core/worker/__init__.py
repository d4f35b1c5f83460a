"""What runs in a process pool's worker process: its main loop. It imports
the shared pieces only, never the parent's side."""
