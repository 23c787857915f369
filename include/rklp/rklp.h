/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rklp.h - the C API of rklp, for C patch modules
 *
 * The C twin of the Rust API (include/rklp/api.rs): the descriptor structs
 * of the patch ABI (include/rklp/abi.rs, whose layouts rklp's build checks
 * against this header) and the functions rklp.ko exports, in the symbol
 * namespace RKLP. A patch module describes its patch in static tables and
 * enables it from its init:
 *
 *	#include <rklp/rklp.h>
 *
 *	static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
 *	{
 *		seq_printf(m, "%s\n", "this has been live patched");
 *		return 0;
 *	}
 *
 *	static const struct rklp_func_desc funcs[] = {
 *		RKLP_FUNC("cmdline_proc_show", livepatch_cmdline_proc_show),
 *	};
 *	static const struct rklp_object_desc objs[] = {
 *		RKLP_VMLINUX(funcs),
 *	};
 *	static const struct rklp_patch_desc patch = RKLP_PATCH(objs);
 *
 *	static int __init livepatch_init(void)
 *	{
 *		return rklp_enable_patch(THIS_MODULE, &patch);
 *	}
 *
 * Including this header marks the module as an rklp patch module
 * (MODULE_INFO(rklp, "Y"): rklp refuses patches from modules without it,
 * as upstream's klp_enable_patch() refuses modules without "livepatch: Y")
 * and imports the namespace RKLP (the loader refuses a module that uses
 * rklp's exports without importing it); see RKLP_NO_MODINFO at the end.
 * Documentation/rklp.rst describes the rules that rklp checks at
 * rklp_enable_patch() time.
 */
#ifndef _RKLP_RKLP_H
#define _RKLP_RKLP_H

#include <linux/module.h>
#include <linux/types.h>

/*
 * Version of the descriptor layout below. rklp also reads descriptors of
 * RKLP_ABI_VERSION_MIN (modules built before struct rklp_func_desc had
 * @proto: not type-checked) and refuses any other.
 */
#define RKLP_ABI_VERSION	5
#define RKLP_ABI_VERSION_MIN	4

/* rklp_patch_desc.flags */
/* Switch all tasks at once in stop_machine instead of task by task. */
#define RKLP_PATCH_IMMEDIATE	(1U << 0)
/* Atomic replace: supersede every earlier patch in one transition. */
#define RKLP_PATCH_REPLACE	(1U << 1)

/* Limits rklp enforces (a descriptor beyond them is refused with -EINVAL). */
#define RKLP_MAX_OBJS		1024
#define RKLP_MAX_FUNCS		65536
#define RKLP_MAX_SYMS		65536
#define RKLP_MAX_STATES		1024
/* Longest function or symbol name, with its NUL (KSYM_NAME_LEN). */
#define RKLP_KSYM_NAME_LEN	512
/* Longest object (module) name, with its NUL (MODULE_NAME_LEN). */
#define RKLP_MODULE_NAME_LEN	56

/* rklp_proto_type.kind */
#define RKLP_PROTO_VOID		1	/* void (a return value only) */
#define RKLP_PROTO_INT		2	/* integer, bool, char */
#define RKLP_PROTO_PTR		3	/* pointer (to data or a function) */
#define RKLP_PROTO_STRUCT	4	/* struct by value */
#define RKLP_PROTO_UNION	5	/* union by value */
#define RKLP_PROTO_ENUM		6	/* enum (passed as its integer) */
#define RKLP_PROTO_FLOAT	7	/* float, double */
/* Most arguments a recorded prototype describes. */
#define RKLP_PROTO_MAX_ARGS	12

/**
 * struct rklp_proto_type - kind and size of an argument or return value
 * @kind:	RKLP_PROTO_*
 * @size:	size in bytes (0 for void)
 */
struct rklp_proto_type {
	u32 kind;
	u32 size;
};

/**
 * struct rklp_proto - a replacement's prototype, recorded at compile time
 * @nr_args:	number of arguments (at most RKLP_PROTO_MAX_ARGS)
 * @ret:	the return value
 * @args:	the arguments; entries from @nr_args on are unused
 *
 * Where the kernel has BTF, rklp compares it with the original function's
 * BTF prototype and refuses a mismatch (Documentation/rklp.rst,
 * "Prototype checks"). Made by RKLP_FUNC_TYPED() below.
 */
struct rklp_proto {
	u32 nr_args;
	struct rklp_proto_type ret;
	struct rklp_proto_type args[RKLP_PROTO_MAX_ARGS];
};

/**
 * struct rklp_func_desc - one function to replace
 * @old_name:	name of the original function
 * @new_func:	the replacement: a function of the patch module's core text
 *		(not __init), with the original's prototype
 * @old_sympos:	which occurrence of @old_name in the object's kallsyms
 *		(1-based); 0 means the name must be unique in the object
 * @proto:	the replacement's prototype (ABI 5), or NULL: then it is
 *		not checked
 */
struct rklp_func_desc {
	const char *old_name;
	void *new_func;
	unsigned long old_sympos;
	const struct rklp_proto *proto;
};

/**
 * struct rklp_callbacks - per-object callbacks, with upstream livepatch's
 *			   rules (struct klp_callbacks)
 * @pre_patch:		before the object is patched; a negative errno stops
 *			it (the patch, or a later module's load, fails)
 * @post_patch:		after the patching transition completed
 * @pre_unpatch:	before an unpatching transition starts
 * @post_unpatch:	after unpatching completed (only if @pre_patch ran
 *			and succeeded)
 *
 * Each gets the object's name, NULL for vmlinux. They run only for loaded
 * objects. Any may be NULL.
 */
struct rklp_callbacks {
	int (*pre_patch)(const char *obj);
	void (*post_patch)(const char *obj);
	void (*pre_unpatch)(const char *obj);
	void (*post_unpatch)(const char *obj);
};

/**
 * struct rklp_sym_desc - a symbol of the object the patch's code uses
 * @name:	name of the function or variable (usually not exported)
 * @sympos:	which occurrence of @name in the object's kallsyms (1-based);
 *		0 means the name must be unique in the object
 * @slot:	where rklp stores the symbol's address: a pointer variable of
 *		the patch module (not const, not __initdata, not
 *		__ro_after_init)
 *
 * rklp looks @name up in the object it is listed in, and in no other, when
 * that object is patched: at rklp_enable_patch() for vmlinux and loaded
 * modules, when a later module loads (before its init) for the others; it
 * stores the address before any replacement of the object can run. A
 * missing or (without @sympos) ambiguous name refuses the patch or the
 * module's load. When the module goes away, rklp stores NULL.
 */
struct rklp_sym_desc {
	const char *name;
	unsigned long sympos;
	void **slot;
};

/**
 * struct rklp_object_desc - vmlinux or one module, and what to do in it
 * @name:	module name; NULL for vmlinux
 * @funcs:	the functions to replace
 * @nr_funcs:	number of entries in @funcs
 * @callbacks:	callbacks (an object may have callbacks and no functions)
 * @syms:	the object's symbols that the patch's code uses
 * @nr_syms:	number of entries in @syms
 */
struct rklp_object_desc {
	const char *name;
	const struct rklp_func_desc *funcs;
	size_t nr_funcs;
	struct rklp_callbacks callbacks;
	const struct rklp_sym_desc *syms;
	size_t nr_syms;
};

/**
 * struct rklp_state - a system state the patch modifies (struct klp_state)
 * @id:		identifier (non-zero, once per patch)
 * @version:	version of the change; a later patch must carry the same or
 *		a higher one
 * @data:	for the patch's use
 *
 * In a descriptor it declares the state; rklp keeps a copy of its own,
 * which rklp_get_state() and rklp_get_prev_state() return and whose @data
 * the callbacks may use.
 */
struct rklp_state {
	u64 id;
	u32 version;
	void *data;
};

/**
 * struct rklp_patch_desc - a whole patch
 * @abi_version:	must be RKLP_ABI_VERSION
 * @flags:		RKLP_PATCH_* flags
 * @objs:		the objects
 * @nr_objs:		number of entries in @objs
 * @states:		the system states the patch modifies
 * @nr_states:		number of entries in @states
 */
struct rklp_patch_desc {
	u32 abi_version;
	u32 flags;
	const struct rklp_object_desc *objs;
	size_t nr_objs;
	const struct rklp_state *states;
	size_t nr_states;
};

/* RKLP_FUNC(name, new): a struct rklp_func_desc of @name, unique. */
#define RKLP_FUNC(_name, _new) \
	{ .old_name = (_name), .new_func = (void *)(_new) }
/* RKLP_FUNC_POS(name, new, pos): the @pos-th @name (1-based). */
#define RKLP_FUNC_POS(_name, _new, _pos) \
	{ .old_name = (_name), .new_func = (void *)(_new), .old_sympos = (_pos) }
/*
 * RKLP_FUNC_TYPED(name, new, ret, arg types...): RKLP_FUNC() that also
 * records @new's prototype (struct rklp_proto), which rklp compares with
 * the original's BTF prototype where the kernel has BTF. C cannot read a
 * function's parameter types from its name, so they are spelled out (void
 * for none), and the build fails unless @new has exactly that type:
 *
 *	static int livepatch_cmdline_proc_show(struct seq_file *m, void *v);
 *	static struct rklp_func_desc funcs[] = {
 *		RKLP_FUNC_TYPED("cmdline_proc_show", livepatch_cmdline_proc_show,
 *				int, struct seq_file *, void *),
 *	};
 *
 * Kind and size come from __builtin_classify_type() and sizeof. At most
 * RKLP_PROTO_MAX_ARGS arguments; a type with a comma (a function pointer
 * type of several parameters) needs a typedef. The table must be at file
 * scope (the record is a file-scope compound literal). RKLP_FUNC() records
 * nothing: such a function is not checked.
 */
#define __RKLP_ISVOID(t)	_Generic((typeof(t) *)0, void *: 1, default: 0)
/* @t, or char for void: what sizeof and classify may be applied to. */
#define __RKLP_NONVOID(t)						\
	typeof(*_Generic((typeof(t) *)0, void *: (char *)0, default: (typeof(t) *)0))
#define __RKLP_KIND_OF_CLASS(c)						\
	((c) == 1 || (c) == 2 || (c) == 4 ? RKLP_PROTO_INT :		\
	 (c) == 3 ? RKLP_PROTO_ENUM :					\
	 (c) == 5 || (c) == 6 ? RKLP_PROTO_PTR :			\
	 (c) == 8 ? RKLP_PROTO_FLOAT :					\
	 (c) == 12 ? RKLP_PROTO_STRUCT :				\
	 (c) == 13 ? RKLP_PROTO_UNION : 0)
#define __RKLP_TYPE(t)							\
	{ .kind = __RKLP_ISVOID(t) ? RKLP_PROTO_VOID :			\
		__RKLP_KIND_OF_CLASS(__builtin_classify_type(*(__RKLP_NONVOID(t) *)0)), \
	  .size = __RKLP_ISVOID(t) ? 0 : sizeof(__RKLP_NONVOID(t)) }
#define __RKLP_NARGS(...) \
	__RKLP_NARGS_(__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define __RKLP_NARGS_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, n, ...) n
#define __RKLP_FIRST(a, ...)	a
#define __RKLP_T1(a)		__RKLP_TYPE(a)
#define __RKLP_T2(a, ...)	__RKLP_TYPE(a), __RKLP_T1(__VA_ARGS__)
#define __RKLP_T3(a, ...)	__RKLP_TYPE(a), __RKLP_T2(__VA_ARGS__)
#define __RKLP_T4(a, ...)	__RKLP_TYPE(a), __RKLP_T3(__VA_ARGS__)
#define __RKLP_T5(a, ...)	__RKLP_TYPE(a), __RKLP_T4(__VA_ARGS__)
#define __RKLP_T6(a, ...)	__RKLP_TYPE(a), __RKLP_T5(__VA_ARGS__)
#define __RKLP_T7(a, ...)	__RKLP_TYPE(a), __RKLP_T6(__VA_ARGS__)
#define __RKLP_T8(a, ...)	__RKLP_TYPE(a), __RKLP_T7(__VA_ARGS__)
#define __RKLP_T9(a, ...)	__RKLP_TYPE(a), __RKLP_T8(__VA_ARGS__)
#define __RKLP_T10(a, ...)	__RKLP_TYPE(a), __RKLP_T9(__VA_ARGS__)
#define __RKLP_T11(a, ...)	__RKLP_TYPE(a), __RKLP_T10(__VA_ARGS__)
#define __RKLP_T12(a, ...)	__RKLP_TYPE(a), __RKLP_T11(__VA_ARGS__)
#define __RKLP_TN_(n, ...)	__RKLP_T##n(__VA_ARGS__)
#define __RKLP_TN(n, ...)	__RKLP_TN_(n, __VA_ARGS__)
#define RKLP_PROTO(_ret, ...)						\
	((const struct rklp_proto){					\
		.nr_args = __RKLP_NARGS(__VA_ARGS__) -			\
			   __RKLP_ISVOID(__RKLP_FIRST(__VA_ARGS__)),	\
		.ret = __RKLP_TYPE(_ret),				\
		.args = { __RKLP_TN(__RKLP_NARGS(__VA_ARGS__), __VA_ARGS__) }, \
	})
#define RKLP_FUNC_TYPED(_name, _new, _ret, ...)				\
	{ .old_name = (_name), .new_func = (void *)(_new),		\
	  .old_sympos = BUILD_BUG_ON_ZERO(!__builtin_types_compatible_p(	\
		typeof(_new), _ret (__VA_ARGS__))),			\
	  .proto = &RKLP_PROTO(_ret, __VA_ARGS__) }
/* RKLP_SYM(name, ptr): @name's address goes into pointer variable @ptr. */
#define RKLP_SYM(_name, _ptr) \
	{ .name = (_name), .slot = (void **)&(_ptr) }
/* RKLP_SYM_POS(name, ptr, pos): the same for the @pos-th @name. */
#define RKLP_SYM_POS(_name, _ptr, _pos) \
	{ .name = (_name), .slot = (void **)&(_ptr), .sympos = (_pos) }
/* RKLP_VMLINUX(funcs): the object vmlinux with the array @funcs. */
#define RKLP_VMLINUX(_funcs) \
	{ .funcs = (_funcs), .nr_funcs = ARRAY_SIZE(_funcs) }
/* RKLP_MODULE(mod, funcs): module @mod with the array @funcs. */
#define RKLP_MODULE(_mod, _funcs) \
	{ .name = (_mod), .funcs = (_funcs), .nr_funcs = ARRAY_SIZE(_funcs) }
/* RKLP_PATCH(objs): a patch of the array @objs, no flags, no states. */
#define RKLP_PATCH(_objs) \
	{ .abi_version = RKLP_ABI_VERSION, .objs = (_objs), \
	  .nr_objs = ARRAY_SIZE(_objs) }

/**
 * rklp_enable_patch() - register and enable a patch
 * @mod:	the calling patch module: THIS_MODULE
 * @desc:	the patch; it and everything it points to need only live until
 *		the call returns (rklp copies what it keeps; a module usually
 *		uses static tables), except the slots of symbol references,
 *		which are the module's data
 *
 * Called from the patch module's init, as klp_enable_patch(). rklp copies
 * what it needs, pins @mod until the patch is disabled, and starts the
 * patching transition (or switches at once with RKLP_PATCH_IMMEDIATE).
 * The patch is named after @mod: /sys/kernel/rklp/<module name>/.
 *
 * Return: 0, or a negative errno with the reason in the kernel log
 * (-EINVAL for a malformed descriptor, an unknown or ambiguous symbol, a
 * module not marked as a patch module, ...).
 */
int rklp_enable_patch(struct module *mod, const struct rklp_patch_desc *desc);

#ifndef RKLP_CORE
/*
 * rklp finds the module that calls rklp_enable_patch() from its return
 * address, and refuses a call whose @mod is another module. A tail call
 * ("return rklp_enable_patch(THIS_MODULE, &patch);" in an init function)
 * returns into the init's caller, in vmlinux: the barrier after the call
 * keeps the compiler from making it one.
 */
#define rklp_enable_patch(mod, desc) ({					\
	int __rklp_ret = (rklp_enable_patch)(mod, desc);		\
	barrier();							\
	__rklp_ret;							\
})
#endif

/**
 * rklp_loaded_module_state() - state of a loaded module, for callbacks
 * @name:	module name
 *
 * What upstream's callbacks read from obj->mod->state (rklp's callbacks
 * get the object's name). Callable from callbacks.
 *
 * Return: its MODULE_STATE_*, or -ENOENT if it is not loaded.
 */
int rklp_loaded_module_state(const char *name);

/**
 * rklp_loaded_module() - the struct module of a loaded module, for callbacks
 * @name:	module name
 *
 * What upstream's callbacks find in obj->mod. The module stays loaded only
 * as long as something holds it: in a callback of its object, until the
 * callback returns.
 *
 * Return: the module, or NULL if it is not loaded.
 */
struct module *rklp_loaded_module(const char *name);

/*
 * Shadow variables (kernel/livepatch/shadow.c): data attached to an existing
 * object, found by (object address, id). Kept by rklp independently of any
 * patch.
 */

/**
 * typedef rklp_shadow_ctor_t - constructor of a shadow variable's data
 * @obj:		the object
 * @shadow_data:	the new data (zeroed, not yet visible to others)
 * @ctor_data:		the caller's argument
 *
 * Return: 0, or a negative errno (the variable is then not created).
 */
typedef int (*rklp_shadow_ctor_t)(void *obj, void *shadow_data, void *ctor_data);

/**
 * typedef rklp_shadow_dtor_t - destructor of a shadow variable's data
 * @obj:		the object
 * @shadow_data:	the data, about to be freed
 */
typedef void (*rklp_shadow_dtor_t)(void *obj, void *shadow_data);

/**
 * rklp_shadow_get() - the shadow variable @id of @obj (klp_shadow_get())
 * @obj:	the object
 * @id:		the variable's id
 *
 * Callable from any context but NMI.
 *
 * Return: its data, or NULL.
 */
void *rklp_shadow_get(void *obj, unsigned long id);

/**
 * rklp_shadow_alloc() - attach a new shadow variable (klp_shadow_alloc())
 * @obj:	the object
 * @id:		the variable's id
 * @size:	size of its data
 * @gfp:	allocation flags
 * @ctor:	constructor, or NULL (the data is then zeroed)
 * @ctor_data:	argument of @ctor
 *
 * Return: the new data, or NULL if it exists already (with a warning) or
 * the allocation or @ctor failed.
 */
void *rklp_shadow_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp,
			rklp_shadow_ctor_t ctor, void *ctor_data);

/**
 * rklp_shadow_get_or_alloc() - the existing shadow variable, or a new one
 *				(klp_shadow_get_or_alloc())
 * @obj:	the object
 * @id:		the variable's id
 * @size:	size of its data
 * @gfp:	allocation flags
 * @ctor:	constructor of a new one, or NULL
 * @ctor_data:	argument of @ctor
 *
 * Return: the data, or NULL if the allocation or @ctor failed.
 */
void *rklp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp,
			       rklp_shadow_ctor_t ctor, void *ctor_data);

/**
 * rklp_shadow_free() - detach and free @obj's shadow variable @id
 * @obj:	the object
 * @id:		the variable's id
 * @dtor:	destructor, or NULL
 */
void rklp_shadow_free(void *obj, unsigned long id, rklp_shadow_dtor_t dtor);

/**
 * rklp_shadow_free_all() - detach and free every shadow variable @id
 * @id:		the variables' id
 * @dtor:	destructor, or NULL
 */
void rklp_shadow_free_all(unsigned long id, rklp_shadow_dtor_t dtor);

/**
 * rklp_get_state() - the patch's system state @id (klp_get_state())
 * @mod:	the patch module: THIS_MODULE
 * @id:		the state's id
 *
 * Return: rklp's copy of the state, valid while the patch exists, or NULL
 * if the patch of @mod does not declare it.
 */
struct rklp_state *rklp_get_state(struct module *mod, unsigned long id);

/**
 * rklp_get_prev_state() - the state @id of the patch installed before the
 *			   one in transition (klp_get_prev_state())
 * @id:		the state's id
 *
 * Callable during a transition (in callbacks); outside one it warns once.
 *
 * Return: the state, valid until the transition ends, or NULL.
 */
struct rklp_state *rklp_get_prev_state(unsigned long id);

/*
 * The module's .modinfo entries. A module of several files may define
 * RKLP_NO_MODINFO before including this header in all files but one (the
 * entries are per module; duplicates are harmless, only shown twice by
 * modinfo); rklp.ko itself defines RKLP_CORE, including the header for
 * its prototypes.
 */
#if !defined(RKLP_NO_MODINFO) && !defined(RKLP_CORE)
/* RKLP_NO_PATCH_TAG: a module that registers no patch (shadow variables
 * only, as upstream's test_klp_shadow_vars) is not tagged as one. */
#ifndef RKLP_NO_PATCH_TAG
MODULE_INFO(rklp, "Y");
#endif
/*
 * MODULE_IMPORT_NS(RKLP), spelled out: MODULE_IMPORT_NS() takes the bare
 * name up to 6.12 and a string from 6.13 on; the .modinfo entry is the same.
 */
MODULE_INFO(import_ns, "RKLP");
#endif

#endif /* _RKLP_RKLP_H */
