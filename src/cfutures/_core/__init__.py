"""The compiled core of cfutures: Future, waiting, work queue, worker loop."""
