# The two commands for a fresh Debian machine: `make run` and `make test`.
SHELL := /bin/bash
# Each running GStreamer pipeline holds one libuv threadpool thread (gstreamer-superficial's bus poll).
export UV_THREADPOOL_SIZE ?= 16
NPM_STAMP := node_modules/.npm-ci.stamp

.PHONY: run test setup deps build firmware test-unit hw-test bench clean

run: setup build firmware
	node appliance/dist/demo/run-demo.js

test: setup build firmware
	$(MAKE) -C firmware test
	npm test

setup:
	@bash scripts/install-debian-packages.sh

deps: $(NPM_STAMP)

# npm ci only when the lockfile changed; native addons compile from source (no prebuilt downloads).
$(NPM_STAMP): package-lock.json package.json $(wildcard */package.json) $(wildcard patches/*.patch)
	npm_config_build_from_source=true npm ci
	@touch $@

build: deps
	npx tsc -b
	npm run build -w ui

# The I/O board image (avr-gcc) and its simavr harness, used by the link tests.
firmware:
	$(MAKE) -C firmware all sim

test-unit: setup build
	npm run test:unit -w appliance

# On a real unit with the test jig (hw-tests/README.md). `make test` runs the same suites on simulation.
hw-test: setup build firmware
	cd hw-tests && HW_TARGET=$${HW_TARGET:-pi} npx mocha

bench: setup build firmware
	npm run bench:join
	npm run bench:ui
	npm run bench:hw
	npm run bench:fleet
	npm run bench:audio

clean:
	rm -rf node_modules */node_modules */dist *.tsbuildinfo */*.tsbuildinfo
	$(MAKE) -C firmware clean
