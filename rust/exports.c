// SPDX-License-Identifier: GPL-2.0
/*
 * Exports of rklp's C ABI, implemented in Rust (#[no_mangle] extern "C").
 * Patch modules call these through the KlpPatch API (include/rklp/api.rs).
 */
#include <linux/export.h>
#include <linux/module.h>

struct rklp_patch_desc;
int rklp_enable_patch(struct module *mod, const struct rklp_patch_desc *desc);
EXPORT_SYMBOL_GPL(rklp_enable_patch);
