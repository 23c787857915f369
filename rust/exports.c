// SPDX-License-Identifier: GPL-2.0
/*
 * Exports of rklp's C ABI, implemented in Rust (#[no_mangle] extern "C").
 * Patch modules call these through the KlpPatch API (include/rklp/api.rs).
 */
#include <linux/export.h>
#include <linux/module.h>

struct rklp_patch_desc;
int rklp_enable_patch_from(struct module *mod, const struct rklp_patch_desc *desc,
			   unsigned long caller);
int rklp_enable_patch(struct module *mod, const struct rklp_patch_desc *desc);

/*
 * The caller's return address (a builtin, so a C wrapper) tells rklp which
 * module really called: it must be @mod, whose THIS_MODULE it passes.
 */
int rklp_enable_patch(struct module *mod, const struct rklp_patch_desc *desc)
{
	return rklp_enable_patch_from(mod, desc,
				      (unsigned long)__builtin_return_address(0));
}
EXPORT_SYMBOL_GPL(rklp_enable_patch);

int rklp_loaded_module_state(const char *name);
EXPORT_SYMBOL_GPL(rklp_loaded_module_state);

typedef int (*rklp_shadow_ctor_t)(void *obj, void *shadow_data, void *ctor_data);
typedef void (*rklp_shadow_dtor_t)(void *obj, void *shadow_data);
void *rklp_shadow_get(void *obj, unsigned long id);
void *rklp_shadow_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp,
			rklp_shadow_ctor_t ctor, void *ctor_data);
void *rklp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp,
			       rklp_shadow_ctor_t ctor, void *ctor_data);
void rklp_shadow_free(void *obj, unsigned long id, rklp_shadow_dtor_t dtor);
void rklp_shadow_free_all(unsigned long id, rklp_shadow_dtor_t dtor);
EXPORT_SYMBOL_GPL(rklp_shadow_get);
EXPORT_SYMBOL_GPL(rklp_shadow_alloc);
EXPORT_SYMBOL_GPL(rklp_shadow_get_or_alloc);
EXPORT_SYMBOL_GPL(rklp_shadow_free);
EXPORT_SYMBOL_GPL(rklp_shadow_free_all);

struct rklp_state;
struct rklp_state *rklp_get_state(struct module *mod, unsigned long id);
struct rklp_state *rklp_get_prev_state(unsigned long id);
EXPORT_SYMBOL_GPL(rklp_get_state);
EXPORT_SYMBOL_GPL(rklp_get_prev_state);
