# The two commands of the README's quick start, and a few more for developers.
# Each installs what is missing first (scripts/bootstrap), so they work on a fresh Debian 12.

.PHONY: all bootstrap build demo test test-sanitize test-clang fuzz bench install clean docker-images

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake --preset default >/dev/null
	@cmake --build --preset default

# faultline's main job: `faultline run examples/etcd --duration 2m`. Builds only what it runs.
demo: bootstrap
	@cmake --preset default >/dev/null
	@cmake --build --preset default --target faultline faultline-sandbox etcd_example
	@scripts/demo

test: build
	@ctest --preset default

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-sanitize: bootstrap
	@cmake --preset sanitize >/dev/null
	@cmake --build --preset sanitize
	@ctest --preset sanitize

# The suite built with clang, to keep the code portable between compilers.
test-clang: bootstrap
	@cmake --preset clang >/dev/null
	@cmake --build --preset clang
	@ctest --test-dir build/clang --output-on-failure -j2

# Every fuzz target for FUZZ_SECONDS (default 180) each; findings go to tests/fuzz/<target>/
# (docs/fuzzing.md).
fuzz: bootstrap
	@scripts/fuzz

bench: build
	@scripts/bench

# Installs the SDK (headers, library, CMake package, pkg-config file); PREFIX=/usr/local by default.
PREFIX ?= /usr/local
install: build
	@cmake --install build/default --prefix $(PREFIX)

# The Docker backend's images, built offline (debootstrap from the machine's apt mirror, cached in
# ~/.cache/faultline/docker-images) and imported into the daemon at DOCKER_HOST (default
# unix:///var/run/docker.sock; tests/support/private-dockerd starts a private one), the etcd
# example's programs (built first) in faultline/etcd-client:v1. docs/docker.md, docs/docker-notes.md.
EXAMPLE_BUILD ?= build/default/examples/etcd
docker-images: bootstrap
	@cmake --preset default >/dev/null
	@cmake --build --preset default --target etcd_example
	@scripts/docker-images --example-build $(EXAMPLE_BUILD)

clean:
	rm -rf build
