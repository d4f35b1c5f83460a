"""A pool's options as frozen values, checked once before they are made
(cfutures._pool_options) and then carried whole:

* ThreadPoolOptions, from ThreadPoolExecutor to its compiled base;
* ProcessPoolOptions, from the executor to its dispatcher, recovery policy
  and supervisor;
* WorkerOptions, the part a worker process needs, made by the supervisor
  and pickled once into each worker's start arguments.

Named tuples (collections only): a worker process unpickles WorkerOptions
before anything else, and must not pay for dataclasses' imports.
"""
from collections import namedtuple

ThreadPoolOptions = namedtuple("ThreadPoolOptions", [
    "max_workers",          # checked and defaulted as the stdlib's (a float too)
    "thread_name_prefix",   # as given; '' gives the stdlib's numbered name
    "initializer",          # callable or None
    "initargs",             # as given (the stdlib does not check it)
    "worker_context",       # 3.14+: prepare_context()'s (create, resolve), or
                            # None: calls run directly (the default context)
    "max_pending",          # int or None
    "time_statistics",      # statistics() also times the calls
])

ProcessPoolOptions = namedtuple("ProcessPoolOptions", [
    "max_workers",          # int, checked and defaulted as the stdlib's
    "mp_context",           # the multiprocessing context workers start in
    "initializer",          # callable or None
    "initargs",             # as given (the stdlib does not check it)
    "max_tasks_per_child",  # int or None
    "replace_dead",         # on_worker_death="replace"
    "task_timeout",         # seconds a call may run; 0.0: no limit
    "max_worker_memory",    # bytes a worker may hold after a call; 0: no bound
    "idle_timeout",         # seconds a worker may idle; 0.0: forever
    "serializer",           # the pool's Serializer (pickler=), or None: pickle
    "max_pending",          # int or None
    "time_statistics",      # statistics() also times the calls
])

WorkerOptions = namedtuple("WorkerOptions", [
    "initializer",          # run first; None: none
    "initargs",
    "max_tasks",            # calls before the worker retires; 0: no limit
    "max_memory",           # bytes of resident memory after a call; 0: no bound
    "eager_results",        # send each result before the next call starts
    "serializer",           # the pool's Serializer, or None: pickle
])
