"""The stdlib executors' private attributes, for code that reads them.

cfutures keeps its state under its own names; these small mixins give the
stdlib's names the same meaning where cfutures has the thing. Each comment
names the stdlib code or CPython test that reads the attribute (a subclass
of the stdlib class that calls or copies that code reads it too).
"""


def _alias(name, convert=None):
    """A property for the stdlib's name of ``name``, settable when the
    field is."""
    def set_value(self, value):
        setattr(self, name, convert(value) if convert else value)
    return property(lambda self: getattr(self, name), set_value)


class ThreadPoolCompat:
    """The stdlib ThreadPoolExecutor's privates, over ThreadExecutorBase."""

    # test_thread_pool's test_idle_thread_reuse and test_shutdown count and
    # join executor._threads.
    _threads = _alias("threads")
    # test_thread_pool's test_default_workers; the stdlib's
    # _adjust_thread_count() compares the thread count with it.
    _max_workers = property(lambda self: self.max_workers,
                            lambda self, value: self.set_max_workers(value))
    # test_init checks executor._broken after an initializer failed; the
    # stdlib's submit() raises BrokenThreadPool(self._broken).
    _broken = _alias("broken")
    # The stdlib's submit() and shutdown() read and set it.
    _shutdown = _alias("shut_down")
    # The stdlib's submit(), shutdown() and _initializer_failed() take it.
    _shutdown_lock = _alias("shutdown_lock")
    # The stdlib's submit() puts work items on it; len() works, but it is
    # cfutures' queue, not a SimpleQueue.
    _work_queue = _alias("work_queue")
    # The stdlib's _adjust_thread_count() names and starts threads with these.
    _thread_name_prefix = _alias("thread_name_prefix")
    _initializer = _alias("initializer")
    _initargs = _alias("initargs", tuple)


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

    # test_init's initializer tests check executor._broken.
    _broken = property(lambda self: self.dispatcher.broken)
    # test_process_pool and test_shutdown count and join executor._processes
    # (pid -> Process of every worker started and not retired; one dict
    # until shutdown(), which sets it to None, as in the stdlib).
    _processes = property(
        lambda self: None if self.dispatcher.shutdown_requested
        else self.dispatcher.supervisor.processes)
    # test_shutdown and test_deadlock join executor._executor_manager_thread
    # (the pool's manager thread while it runs, else None).
    _executor_manager_thread = property(
        lambda self: self.dispatcher.manager_thread)
    # test_shutdown joins executor._call_queue's feeder thread; cfutures has
    # no call queue (nor feeder thread), so there is nothing to join.
    _call_queue = property(lambda self: _NO_CALL_QUEUE)
    # test_process_pool's test_idle_process_reuse_* and
    # test_max_tasks_per_child_defaults_to_spawn_context.
    _max_workers = property(lambda self: self.dispatcher.supervisor.max_workers)
    _mp_context = property(lambda self: self.dispatcher.supervisor.ctx)
    # The stdlib's _spawn_process() starts workers with these.
    _initializer = property(lambda self: self.dispatcher.supervisor.initializer)
    _initargs = property(lambda self: self.dispatcher.supervisor.initargs)
    _max_tasks_per_child = property(
        lambda self: self.dispatcher.supervisor.max_tasks_per_child)
