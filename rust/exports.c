// SPDX-License-Identifier: GPL-2.0
/*
 * Exports of rklp's C ABI, implemented in Rust (#[no_mangle] extern "C"),
 * with the prototypes of include/rklp/rklp.h, in the symbol namespace RKLP:
 * a module must import it (MODULE_IMPORT_NS(RKLP), which rklp.h and the
 * KlpPatch API of include/rklp/api.rs add) to use them.
 */
#include <linux/export.h>
#include <linux/module.h>

#include "compat.h"

#define RKLP_CORE
#include "../include/rklp/rklp.h"

int rklp_enable_patch_from(struct module *mod, const struct rklp_patch_desc *desc,
			   unsigned long caller);

/*
 * The caller's return address (a builtin, so a C wrapper) tells rklp which
 * module really called: it must be @mod, whose THIS_MODULE it passes.
 */
int rklp_enable_patch(struct module *mod, const struct rklp_patch_desc *desc)
{
	return rklp_enable_patch_from(mod, desc,
				      (unsigned long)__builtin_return_address(0));
}
RKLP_EXPORT_NS_GPL(rklp_enable_patch);
RKLP_EXPORT_NS_GPL(rklp_loaded_module_state);
RKLP_EXPORT_NS_GPL(rklp_loaded_module);
RKLP_EXPORT_NS_GPL(rklp_shadow_get);
RKLP_EXPORT_NS_GPL(rklp_shadow_alloc);
RKLP_EXPORT_NS_GPL(rklp_shadow_get_or_alloc);
RKLP_EXPORT_NS_GPL(rklp_shadow_free);
RKLP_EXPORT_NS_GPL(rklp_shadow_free_all);
RKLP_EXPORT_NS_GPL(rklp_get_state);
RKLP_EXPORT_NS_GPL(rklp_get_prev_state);
