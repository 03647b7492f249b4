# Two commands do all the set-up on a fresh machine:
#   make run   - install, fetch the default models, start Crossroads on the sample documents
#   make test  - install, fetch the models, run the tests and the checks
# Everything lands in .venv/ and models/ inside this folder; delete them to start over.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
MODELS := $(VENV)/.models-stamp

.PHONY: setup models run test lint fuzz bench eval reliability package package-test package-wheel clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build. An unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# llama.cpp is compiled here (a few minutes, once; pip caches the wheel). The default OpenMP build: without
	# OpenMP, ggml's spinning thread pool collapsed when other programs used the cores (measured 20-250x slower).
	$(BIN)/python -m pip install --quiet llama-cpp-python==0.3.36
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

models: $(MODELS)

$(MODELS): $(STAMP) models/catalog.toml
	$(BIN)/crossroads models pull --all
	touch $(MODELS)

# The window opens on the sample company's documents and answers the first demo question side by side.
# Without a display it says so and names the headless commands (`crossroads demo` shows the same in a terminal).
run: $(MODELS)
	@# On Linux/X11, Qt needs a few system libraries its wheels do not carry: installed here when run as root,
	@# otherwise the exact apt-get command is printed.
	$(BIN)/python -m crossroads.ui.platform_check --install
	$(BIN)/crossroads gui --demo

test: $(MODELS)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest
	$(MAKE) --no-print-directory lint

lint: $(STAMP)
	$(BIN)/ruff check desktop tests bench packaging
	$(BIN)/lint-imports

# Hypothesis fuzzing of the GGUF reader and the document loaders; a bigger budget than the quick default.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	CROSSROADS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m fuzz tests/reliability -q

# BENCH_ARGS=--full adds retrieval at 1M passages (first run ~25 min to build its cached corpus).
bench: $(MODELS)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# Answer quality: our pipeline next to a naive RAG pipeline on SQuAD (all 810 questions), the demo set and the
# Python tutorial, same model. EVAL_ARGS="--sample 60" for a quick run, "--model PATH.gguf" for another model.
eval: $(MODELS)
	$(BIN)/python bench/eval_quality.py $(EVAL_ARGS)

# Fault injection (kills, full disk, two processes, old formats) and fuzzing, bounded to under 15 minutes.
reliability: $(MODELS)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "reliability or fuzz" tests/reliability -q

# The installers a consultant can carry (issue #12): a self-contained one-folder bundle (PyInstaller) with Python,
# Qt, llama.cpp and the default models, as dist/crossroads-VERSION-linux-x86_64.tar.gz (portable) and
# dist/crossroads_VERSION_amd64.deb. Builds in its own .build-venv/ (runtime dependencies only); ~10+ minutes, so
# not part of `make test`. BUNDLE_ARGS="--no-chat-model" leaves out the 0.5B model, "--no-finetune" the LoRA stack.
package: $(MODELS)
	$(PYTHON) packaging/build_bundle.py venv $(BUNDLE_ARGS)
	.build-venv/bin/python packaging/build_bundle.py freeze $(BUNDLE_ARGS)
	.build-venv/bin/python packaging/build_bundle.py tarball
	.build-venv/bin/python packaging/build_bundle.py deb

# Unpacks the tarball with a clean HOME and no network, indexes, asks, screenshots the window; checks the .deb.
package-test:
	sh packaging/package_test.sh

# A wheel with the code, the model catalog, the demo documents, fonts and icon (not the weights: after installing,
# `crossroads models pull --all` fetches and verifies them).
package-wheel: $(STAMP)
	$(BIN)/python packaging/build_wheel.py --out dist

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
