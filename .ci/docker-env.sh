# Source before running the container tests (after .ci/docker-setup.sh): where amnesia finds the
# engine and the locally built images (no registry here).
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export AMNESIA_REDIS_IMAGE=local/redis:7 AMNESIA_POSTGRES_IMAGE=local/postgres:15
export AMNESIA_TEST_NODE_IMAGE=local/node:24 AMNESIA_TEST_APP_IMAGE=local/llamaindex-apps:test
