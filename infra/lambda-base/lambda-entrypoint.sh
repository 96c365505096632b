#!/bin/sh
# TEST FIXTURE (stand-in base image): same contract as /lambda-entrypoint.sh in public.ecr.aws/lambda/python.
# The handler comes from CMD. Outside Lambda (no AWS_LAMBDA_RUNTIME_API) the Runtime Interface Emulator
# hosts the runtime and serves the invoke API on :8080; inside Lambda, or under `sam local` (which runs its
# own emulator as entrypoint and passes this script as the bootstrap), the runtime client runs directly.
if [ $# -ne 1 ]; then
    echo "entrypoint requires the handler name to be the first argument" 1>&2
    exit 142
fi
export _HANDLER="$1"

RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
    exec /usr/local/bin/aws-lambda-rie "$RUNTIME_ENTRYPOINT"
else
    exec "$RUNTIME_ENTRYPOINT"
fi
