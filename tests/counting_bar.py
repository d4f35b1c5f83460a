"""A tqdm bar that keeps its final count (tests/test_self_calls.py): a
module of its own, so that process-pool workers, which unpickle tqdm's
initializer (this class's set_lock), import tqdm only for these tests."""
from tqdm import tqdm


class CountingBar(tqdm):
    finals = []   # each closed bar's count, in the process that drew it

    def close(self):
        if not getattr(self, "_counted", False):
            self._counted = True
            CountingBar.finals.append(self.n)
        super().close()
