#!/bin/bash
# Sign, with `make sign`, the modules the signing test loads (rklp.ko and
# the sample; test-signing.sh) with the key the signing test kernel made and
# trusts (RKLP_FLAVOUR=sig, configs/rklp-sig.config): its
# certs/signing_key.pem and certs/signing_key.x509. Every other test module
# stays unsigned: the test checks that the kernel refuses one.
set -euo pipefail
export RKLP_FLAVOUR=sig
. "$(dirname "$0")/env.sh"
KOUT=$("$RKLP_ROOT/scripts/build-kernel.sh" --print-dir)
for f in certs/signing_key.pem certs/signing_key.x509 scripts/sign-file; do
	[ -e "$KOUT/$f" ] || { echo "rklp: no $KOUT/$f: the signing test kernel is not built (scripts/build-kernel.sh with RKLP_FLAVOUR=sig)" >&2; exit 1; }
done
make -s -C "$RKLP_MODDIR" sign KDIR="$KOUT" SIGN_KEY="$KOUT/certs/signing_key.pem" \
	SIGN_CERT="$KOUT/certs/signing_key.x509" MODULES="rklp.ko samples/rklp_sample.ko"
