"""The compiled core of cfutures, in subpackages by side: ``future`` (the
Future and waiting), ``thread`` (the thread pool), ``parent`` (the process
pool's parent), ``worker`` (its worker processes) and ``shared`` (what more
than one of them uses). A subpackage cimports from ``shared`` and, for
futures, from ``future``; nothing here imports the Python layer above
(cfutures.*) but its bindings to the stdlib."""
