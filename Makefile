# The inner loop: an in-place build and one Python's tests.
#
#   make dev                                   venv + in-place build (python3)
#   make dev PY=3.13                           the same with Python 3.13
#   make test PY=3.13 T=tests/test_future.py   build if stale, then run T
#
# PY is a version (pyenv's, else pythonX.Y on PATH) or an interpreter's
# command or path. Each Python gets a venv, .venv/dev-X.Y, made once and
# reused (VENV=path uses another, as it is); a .pth in it puts this tree's
# src/ on sys.path, where the in-place build leaves the extensions beside
# the Python code, and links to src/'s start-up hooks let CFUTURES_INSTALL=1
# work as in an installed cfutures (the .pth files load in name order:
# cfutures-dev.pth first). T is any pytest arguments. CPython's conformance suite
# is skipped here (CONFORMANCE=1 runs it). The whole test command (every
# Python, each from a fresh sdist) is scripts/test.sh.

PY ?= python3
T ?= tests
CONFORMANCE ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# What the tests import beyond cfutures (the test command's list, less the
# packaging tools); a test whose optional package is missing skips.
DEV_DEPS := cython "setuptools>=77" wheel pytest pytest-timeout pytest-benchmark \
	hypothesis cloudpickle tqdm mypy

# A version: pyenv's newest X.Y.*, else pythonX.Y on PATH.
PYTHON := $(shell case '$(PY)' in \
	([0-9]*.[0-9]*) ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/$(PY).*/bin/python$(PY) 2>/dev/null \
		| sort -V | tail -n1 | grep . || command -v 'python$(PY)';; \
	(*) command -v '$(PY)';; esac)
VERSION := $(shell '$(PYTHON)' -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifeq ($(VERSION),)
$(error no working Python found for PY=$(PY))
endif
VENV ?= .venv/dev-$(VERSION)

.PHONY: dev build test

dev: build

# Made once per Python and reused: the venv, its packages, the .pth to
# src/ (a venv that exists already, made here or not, is used as it is).
$(VENV)/bin/python:
	'$(PYTHON)' -m venv '$(VENV)' \
	&& '$(VENV)/bin/python' -m pip install -q $(DEV_DEPS) \
	&& '$(VENV)/bin/python' -c 'import site, sys; open(site.getsitepackages()[0] + "/cfutures-dev.pth", "w").write(sys.argv[1] + "\n")' '$(CURDIR)/src' \
	&& ln -s '$(CURDIR)/src/cfutures_install.pth' '$(CURDIR)/src/cfutures_install.start' \
		"$$('$(VENV)/bin/python' -c 'import site; print(site.getsitepackages()[0])')/" \
	|| { rm -rf '$(VENV)'; exit 1; }

# Rebuilds only what changed (a second or two when nothing did).
build: $(VENV)/bin/python
	'$(VENV)/bin/python' setup.py -q build_ext --inplace -j $(JOBS)

# PYTHONPATH too: a venv named by VENV may carry another tree's .pth.
test: build
	PYTHONPATH='$(CURDIR)/src' CFUTURES_SKIP_CONFORMANCE=$(if $(CONFORMANCE),,1) \
		'$(VENV)/bin/python' -m pytest -q -p no:cacheprovider $(T)
