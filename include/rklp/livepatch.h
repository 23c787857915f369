/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livepatch.h - upstream's <linux/livepatch.h> API, on rklp
 *
 * A module written for the kernel's livepatch (struct klp_patch, klp_object,
 * klp_func, klp_callbacks, klp_state, klp_shadow_*(), klp_enable_patch())
 * builds for rklp by including this header instead of <linux/livepatch.h>,
 * and nothing else:
 *
 *	#include <rklp/livepatch.h>		(was <linux/livepatch.h>)
 *
 * klp_enable_patch() translates the patch into rklp's descriptors
 * (include/rklp/rklp.h) and calls rklp_enable_patch(), which copies what it
 * needs; callbacks get their struct klp_object, with ->mod set for a
 * loaded module, as upstream's. The patch then lives in /sys/kernel/rklp/
 * (not /sys/kernel/livepatch/) and rklp's messages say "rklp:". What the
 * upstream API has and rklp does not: klp relocations (.klp.rela sections
 * written by klp-build; rklp's patches name such symbols with struct
 * rklp_sym_desc instead), and the fields upstream's core keeps in these
 * structs for itself (kobjects, lists), which a patch module never uses.
 *
 * Like rklp.h, including it marks the module as an rklp patch module and
 * imports the namespace RKLP. Upstream's MODULE_INFO(livepatch, "Y"), which
 * such modules carry, is harmless: it makes the loader taint the kernel
 * with TAINT_LIVEPATCH at load (rklp does too, at enable).
 */
#ifndef _RKLP_LIVEPATCH_H
#define _RKLP_LIVEPATCH_H

#include <linux/build_bug.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <rklp/rklp.h>

/**
 * struct klp_func - function structure for live patching (upstream's)
 * @old_name:	name of the function to be patched
 * @new_func:	pointer to the patched function code
 * @old_sympos:	a hint indicating which symbol position the old function
 *		can be found (optional)
 */
struct klp_func {
	const char *old_name;
	void *new_func;
	unsigned long old_sympos;
};

struct klp_object;

/**
 * struct klp_callbacks - pre/post live-(un)patch callback structure
 * @pre_patch:		executed before code patching
 * @post_patch:		executed after code patching
 * @pre_unpatch:	executed before code unpatching
 * @post_unpatch:	executed after code unpatching
 */
struct klp_callbacks {
	int (*pre_patch)(struct klp_object *obj);
	void (*post_patch)(struct klp_object *obj);
	void (*pre_unpatch)(struct klp_object *obj);
	void (*post_unpatch)(struct klp_object *obj);
};

/**
 * struct klp_object - kernel object structure for live patching
 * @name:	module name (or NULL for vmlinux)
 * @funcs:	function entries for functions to be patched in the object,
 *		ended by an empty entry
 * @callbacks:	functions to be executed pre/post (un)patching
 * @mod:	the loaded module, set for the object's callbacks (NULL for
 *		vmlinux), as upstream's
 */
struct klp_object {
	const char *name;
	struct klp_func *funcs;
	struct klp_callbacks callbacks;
	struct module *mod;
};

/**
 * struct klp_state - state of the system modified by the livepatch
 * @id:		system state identifier (non-zero)
 * @version:	version of the change
 * @data:	custom data
 *
 * The layout of struct rklp_state: klp_get_state() returns rklp's copy.
 */
struct klp_state {
	unsigned long id;
	unsigned int version;
	void *data;
};

static_assert(sizeof(struct klp_state) == sizeof(struct rklp_state));
static_assert(offsetof(struct klp_state, id) == offsetof(struct rklp_state, id));
static_assert(offsetof(struct klp_state, version) == offsetof(struct rklp_state, version));
static_assert(offsetof(struct klp_state, data) == offsetof(struct rklp_state, data));

/**
 * struct klp_patch - patch structure for live patching
 * @mod:	reference to the live patch module: THIS_MODULE
 * @objs:	object entries for kernel objects to be patched, ended by an
 *		empty entry
 * @states:	system states that can get modified, ended by an empty entry
 * @replace:	replace all actively used patches
 */
struct klp_patch {
	struct module *mod;
	struct klp_object *objs;
	struct klp_state *states;
	bool replace;
};

#define klp_for_each_object_static(patch, obj) \
	for (obj = (patch)->objs; (obj)->funcs || (obj)->name; obj++)

#define klp_for_each_func_static(obj, func) \
	for (func = (obj)->funcs; \
	     func && ((func)->old_name || (func)->new_func || (func)->old_sympos); \
	     func++)

#define klp_for_each_state_static(patch, state) \
	for (state = (patch)->states; state && (state)->id; state++)

/* The patch of this module (one per module, as upstream's). */
static struct klp_patch *rklp_lp_patch __maybe_unused;

/* The object named @name (NULL: vmlinux), with ->mod set, for callbacks. */
static __maybe_unused struct klp_object *rklp_lp_object(const char *name)
{
	struct klp_object *obj;

	klp_for_each_object_static(rklp_lp_patch, obj) {
		if (name ? !obj->name || strcmp(obj->name, name) : !!obj->name)
			continue;
		obj->mod = name ? rklp_loaded_module(name) : NULL;
		return obj;
	}
	return NULL;
}

static __maybe_unused int rklp_lp_pre_patch(const char *name)
{
	struct klp_object *obj = rklp_lp_object(name);

	return obj->callbacks.pre_patch(obj);
}

static __maybe_unused void rklp_lp_post_patch(const char *name)
{
	struct klp_object *obj = rklp_lp_object(name);

	obj->callbacks.post_patch(obj);
}

static __maybe_unused void rklp_lp_pre_unpatch(const char *name)
{
	struct klp_object *obj = rklp_lp_object(name);

	obj->callbacks.pre_unpatch(obj);
}

static __maybe_unused void rklp_lp_post_unpatch(const char *name)
{
	struct klp_object *obj = rklp_lp_object(name);

	obj->callbacks.post_unpatch(obj);
}

/**
 * klp_enable_patch() - enable the livepatch
 * @patch:	patch to be enabled
 *
 * Builds rklp's descriptors of @patch (freed again before returning: rklp
 * copies what it needs) and enables it with rklp_enable_patch().
 *
 * Return: 0 on success, otherwise error
 */
static __maybe_unused int klp_enable_patch(struct klp_patch *patch)
{
	struct rklp_patch_desc desc = { .abi_version = RKLP_ABI_VERSION };
	size_t nr_objs = 0, nr_funcs = 0, nr_states = 0, i = 0, j = 0;
	struct rklp_object_desc *objs;
	struct rklp_func_desc *funcs;
	struct rklp_state *states;
	struct klp_object *obj;
	struct klp_func *func;
	struct klp_state *state;
	int ret = -ENOMEM;

	if (!patch || !patch->mod || !patch->objs)
		return -EINVAL;
	klp_for_each_object_static(patch, obj) {
		nr_objs++;
		klp_for_each_func_static(obj, func)
			nr_funcs++;
	}
	klp_for_each_state_static(patch, state)
		nr_states++;
	objs = kcalloc(nr_objs ?: 1, sizeof(*objs), GFP_KERNEL);
	funcs = kcalloc(nr_funcs ?: 1, sizeof(*funcs), GFP_KERNEL);
	states = kcalloc(nr_states ?: 1, sizeof(*states), GFP_KERNEL);
	if (!objs || !funcs || !states)
		goto out;
	klp_for_each_object_static(patch, obj) {
		struct rklp_object_desc *o = &objs[i++];

		o->name = obj->name;
		o->funcs = &funcs[j];
		klp_for_each_func_static(obj, func) {
			funcs[j].old_name = func->old_name;
			funcs[j].new_func = func->new_func;
			funcs[j].old_sympos = func->old_sympos;
			/* .proto stays NULL: struct klp_func has no field for
			 * the prototype, so rklp does not check it (and says
			 * so; Documentation/rklp.rst, "Prototype checks"). */
			j++;
		}
		o->nr_funcs = &funcs[j] - o->funcs;
		if (obj->callbacks.pre_patch)
			o->callbacks.pre_patch = rklp_lp_pre_patch;
		if (obj->callbacks.post_patch)
			o->callbacks.post_patch = rklp_lp_post_patch;
		if (obj->callbacks.pre_unpatch)
			o->callbacks.pre_unpatch = rklp_lp_pre_unpatch;
		if (obj->callbacks.post_unpatch)
			o->callbacks.post_unpatch = rklp_lp_post_unpatch;
	}
	i = 0;
	klp_for_each_state_static(patch, state) {
		states[i].id = state->id;
		states[i].version = state->version;
		states[i].data = state->data;
		i++;
	}
	desc.flags = patch->replace ? RKLP_PATCH_REPLACE : 0;
	desc.objs = objs;
	desc.nr_objs = nr_objs;
	desc.states = states;
	desc.nr_states = nr_states;
	rklp_lp_patch = patch;
	ret = rklp_enable_patch(patch->mod, &desc);
out:
	kfree(states);
	kfree(funcs);
	kfree(objs);
	return ret;
}

/* Shadow variables: rklp's, with upstream's names and signatures. */
typedef rklp_shadow_ctor_t klp_shadow_ctor_t;
typedef rklp_shadow_dtor_t klp_shadow_dtor_t;

static inline void *klp_shadow_get(void *obj, unsigned long id)
{
	return rklp_shadow_get(obj, id);
}

static inline void *klp_shadow_alloc(void *obj, unsigned long id, size_t size,
				     gfp_t gfp_flags, klp_shadow_ctor_t ctor,
				     void *ctor_data)
{
	return rklp_shadow_alloc(obj, id, size, gfp_flags, ctor, ctor_data);
}

static inline void *klp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size,
					    gfp_t gfp_flags, klp_shadow_ctor_t ctor,
					    void *ctor_data)
{
	return rklp_shadow_get_or_alloc(obj, id, size, gfp_flags, ctor, ctor_data);
}

static inline void klp_shadow_free(void *obj, unsigned long id, klp_shadow_dtor_t dtor)
{
	rklp_shadow_free(obj, id, dtor);
}

static inline void klp_shadow_free_all(unsigned long id, klp_shadow_dtor_t dtor)
{
	rklp_shadow_free_all(id, dtor);
}

/* System states: rklp's copies, with upstream's layout (above). */
static inline struct klp_state *klp_get_state(struct klp_patch *patch, unsigned long id)
{
	return (struct klp_state *)rklp_get_state(patch->mod, id);
}

static inline struct klp_state *klp_get_prev_state(unsigned long id)
{
	return (struct klp_state *)rklp_get_prev_state(id);
}

#endif /* _RKLP_LIVEPATCH_H */
