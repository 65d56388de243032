# Thin wrapper over CMake/CTest. `make test` and `make demo` install dependencies first, so both work
# on a fresh Debian 12 clone as root.
BUILD      ?= build
ASAN_BUILD ?= build/asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
# `make test` runs every fuzz target this long: a smoke test that the parsers survive their corpus and a bit.
FUZZ_SMOKE_SECONDS ?= 5
# New build trees use Ninja (scripts/install-deps installs it): it starts a target's compiles while the libraries
# it links are still being built, where Make's target-by-target order leaves a core idle behind each library of
# this unity build. An existing tree keeps the generator it was made with (cmake ignores this for it).
export CMAKE_GENERATOR ?= Ninja

.PHONY: all deps build benchmarks test unit-asan test-all demo bench compare install clean fuzz-build fuzz fuzz-smoke

all: build

deps:
	scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# Every unit test under AddressSanitizer + UndefinedBehaviorSanitizer (only what they link is built), but the
# ones that exhaust the process's file descriptors on purpose (accept hitting EMFILE): the sanitizer runtime
# itself needs fds then (UBSan's vptr check probes memory through a pipe and reports a false "invalid vptr"
# without one). They run in the plain build, in `make test` like every other test. The unit tests share
# nothing (temporary directories of their own), so they run on every core: 84 s instead of 112 s here.
ASAN_EXCLUDE ?= ^AcceptorTest\.OutOfFds|^AcceptorTest\.DestroyedWhilePaused|^QmpServerLimits\.AcceptOutOfFds
unit-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DNF_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target unit_tests
	ctest --test-dir $(ASAN_BUILD) -L unit -E '$(ASAN_EXCLUDE)' --output-on-failure -j$(JOBS)

# libFuzzer targets (tests/fuzz): a separate clang tree that builds only the parser libraries they link.
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNF_FUZZ=ON $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_targets

# Every fuzz target for FUZZ_SECONDS (default 60); new corpus entries and crashes stay under $(FUZZ_BUILD).
fuzz: fuzz-build
	scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

# Everything: unit (under the sanitizers; common and qmp also plain), fuzz smoke, integration (namespaces, root), acceptance (QMP) and vm
# (real QEMU guests: tests/vm) tests.
test: build unit-asan fuzz-smoke
	ctest --test-dir $(BUILD) --output-on-failure --timeout 300

# Installs like a system component: PREFIX (default /usr/local) and DESTDIR (staging) as usual.
PREFIX ?= /usr/local
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

demo: build
	scripts/demo

# The benchmark binaries (bench/: core, namespace and soak) are not part of `build`: only these use them.
benchmarks: build
	cmake --build $(BUILD) -j$(JOBS) --target benchmarks

bench: benchmarks
	scripts/bench

# failoverd vs the kernel's net_failover in real QEMU guests, side by side (also run by `make bench`);
# PART=replug or PART=migrate reruns one table only.
compare: build
	scripts/compare $(if $(PART),--part $(PART))

clean:
	rm -rf $(BUILD)
