# Thin wrapper over CMake/CTest. `make test` and `make demo` install dependencies first, so both work
# on a fresh Debian 12 clone as root.
BUILD      ?= build
ASAN_BUILD ?= build/asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps build test unit-asan test-all demo bench install clean

all: build

deps:
	scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# Every unit test under AddressSanitizer + UndefinedBehaviorSanitizer (only what they link is built).
unit-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DNF_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target unit_tests
	ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure

# Everything: unit (plain + sanitized), integration (namespaces, root) and acceptance (QMP) tests.
test: build unit-asan
	ctest --test-dir $(BUILD) --output-on-failure --timeout 300

# Installs like a system component: PREFIX (default /usr/local) and DESTDIR (staging) as usual.
PREFIX ?= /usr/local
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

demo: build
	scripts/demo

bench: build
	scripts/bench

clean:
	rm -rf $(BUILD)
