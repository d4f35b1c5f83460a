"""The stdlib executors' private attributes, for code that reads them.

cfutures keeps its state under its own names; these small mixins give the
stdlib's names the same meaning where cfutures has the thing. Each line
names the stdlib code or CPython test that reads the attribute.
"""


class ThreadPoolCompat:
    """The stdlib ThreadPoolExecutor's privates, over ThreadExecutorBase."""

    # test_thread_pool and test_shutdown count and join executor._threads.
    _threads = property(lambda self: self.threads)
    # test_thread_pool's test_default_workers and test_idle_thread_reuse.
    _max_workers = property(lambda self: self.max_workers,
                            lambda self, value: self.set_max_workers(value))
    # test_init checks executor._broken after an initializer failed.
    _broken = property(lambda self: self.broken,
                       lambda self, value: setattr(self, "broken", value))
    # Code that asks whether the pool was shut down (or, subclassing the
    # stdlib class, sets it).
    _shutdown = property(lambda self: self.shut_down,
                         lambda self, value: setattr(self, "shut_down", value))
    # Subclasses of the stdlib class take it around their own bookkeeping.
    _shutdown_lock = property(lambda self: self.shutdown_lock)
    # Code that peeks at the queue (len() works; it is not a SimpleQueue).
    _work_queue = property(lambda self: self.work_queue)
    # Subclasses of the stdlib class that name or start threads use these.
    _thread_name_prefix = property(
        lambda self: self.thread_name_prefix,
        lambda self, value: setattr(self, "thread_name_prefix", value))
    _initializer = property(
        lambda self: self.initializer,
        lambda self, value: setattr(self, "initializer", value))
    _initargs = property(
        lambda self: self.initargs,
        lambda self, value: setattr(self, "initargs", tuple(value)))


class _NoCallQueue:
    """Stands in for the stdlib's call queue: there is nothing to join."""

    def close(self):
        pass

    def join_thread(self):
        pass

    def cancel_join_thread(self):
        pass


_NO_CALL_QUEUE = _NoCallQueue()


class ProcessPoolCompat:
    """The stdlib ProcessPoolExecutor's privates, over ``self.dispatcher``
    and its supervisor."""

    # test_deadlock and test_init check executor._broken.
    _broken = property(lambda self: self.dispatcher.broken)
    # test_process_pool and test_shutdown count and join executor._processes
    # (pid -> Process of every worker started and not retired; one dict
    # for the pool's life, as in the stdlib).
    _processes = property(lambda self: self.dispatcher.supervisor.processes)
    # test_shutdown and test_deadlock join executor._executor_manager_thread
    # (the pool's manager thread while it runs, else None).
    _executor_manager_thread = property(
        lambda self: self.dispatcher.manager_thread)
    # test_process_pool's test_max_workers and test_max_tasks_per_child_*
    # read the configuration under the stdlib's names.
    _max_workers = property(lambda self: self.dispatcher.supervisor.max_workers)
    _mp_context = property(lambda self: self.dispatcher.supervisor.ctx)
    _initializer = property(lambda self: self.dispatcher.supervisor.initializer)
    _initargs = property(lambda self: self.dispatcher.supervisor.initargs)
    _max_tasks_per_child = property(
        lambda self: self.dispatcher.supervisor.max_tasks_per_child)
    # test_shutdown joins executor._call_queue's feeder thread; cfutures has
    # no call queue (nor feeder thread), so there is nothing to join.
    _call_queue = property(lambda self: _NO_CALL_QUEUE)
