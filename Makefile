# Tally's two commands are `make demo` and `make test`; both install what is missing first.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift
APT_PACKAGES := libsqlite3-dev libncursesw5-dev libopenblas-dev zlib1g-dev tmux sqlite3
DEMO_WORKSPACE ?= workspace
TALLY := .build/release/tally

.PHONY: deps build release demo base-model test bench clean

## deps: install the Debian packages Tally needs, only those that are missing.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

## build: a debug build of everything.
build: deps
	$(SWIFT) build

## release: an optimised build of the tally command.
release: deps
	$(SWIFT) build -c release --product tally

## demo: build, then run Tally's main job on the bundled defaults: a fresh workspace with the bundled data,
## the bundled base model's samples ranked by simulated labelers, its eval, and how to open `tally label`.
demo: release
	$(TALLY) demo --workspace "$(DEMO_WORKSPACE)" --replace

## base-model: rebuild datasets/base-model/ (corpus, tokenizer, pretraining, export): 4 minutes on 2 idle cores.
base-model: release
	bash scripts/base-model.sh "$(TALLY)" datasets/base-model

## test: build and pass every test. Tests run one at a time: the CPU-heavy engine tests would otherwise
## hold every cooperative thread and delay the async network and terminal tests past their deadlines.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

## bench: print the benchmark figures.
bench: release
	$(TALLY) bench engine
	$(TALLY) bench import
	$(TALLY) bench tui --items 100000
	$(TALLY) bench train
	$(TALLY) bench rl
	$(TALLY) bench arena

clean:
	rm -rf .build $(DEMO_WORKSPACE)
