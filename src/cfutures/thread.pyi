from concurrent.futures.thread import BrokenThreadPool as BrokenThreadPool

from cfutures import ThreadPoolExecutor as ThreadPoolExecutor

__all__ = ["ThreadPoolExecutor", "BrokenThreadPool"]
