"""The process pool's parent: the executor's submit path, the manager thread,
the batch choice, results, worker ends, recovery and the supervisor."""
