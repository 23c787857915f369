# SPDX-License-Identifier: GPL-2.0
# Linux version differences, as --cfg flags for rklp's Rust code and -D
# for its C: with rust/compat.rs and rust/compat.h (which use them), the one place that knows how the kernel
# crates of the supported kernels differ. Included by every Kbuild of rklp;
# VERSION and PATCHLEVEL come from the kernel's Makefile.
#
# Tested: 6.12 (Debian's linux-source-6.12) and 7.3 (linux-source-7.3 and
# Debian's own 7.3 kernel). Where the release that made a change upstream
# is known it is the threshold; the others are set from 7.0 on, so kernels
# between 6.13 and 7.2 may need a threshold moved (untested).

rklp_kver := $(shell echo $$(( $(VERSION) * 1000 + $(PATCHLEVEL) )))
rklp_kver_ge = $(shell [ $(rklp_kver) -ge $$(( $(1) * 1000 + $(2) )) ] && echo y)

# module! names its authors in a list, `authors: ["..."]` (v6.15); the
# singular `author:` is refused later.
rklp_cfgs-$(call rklp_kver_ge,6,15) += rklp_module_authors
# kernel::str::CStr is core::ffi::CStr (to_bytes, no as_bytes).
rklp_cfgs-$(call rklp_kver_ge,7,0) += rklp_core_cstr
# pr_*!/fmt! format through kernel::fmt::Display.
rklp_cfgs-$(call rklp_kver_ge,7,0) += rklp_kernel_fmt
# KVec has remove() and retain() (and no public set_len()).
rklp_cfgs-$(call rklp_kver_ge,7,0) += rklp_kvec_remove
# kernel::uaccess::UserPtr is a struct (UserPtr::from_addr), not a usize.
rklp_cfgs-$(call rklp_kver_ge,7,0) += rklp_user_ptr_struct
# kernel::static_lock_class!() gives a Pin<&'static LockClassKey>.
rklp_cfgs-$(call rklp_kver_ge,7,0) += rklp_pinned_lock_class
# struct kobj_attribute's show/store are in unions with const variants.
rklp_cfgs-$(call rklp_kver_ge,7,0) += rklp_sysfs_const_attr
# C: hrtimer_setup() exists (v6.13) and hrtimer_init() may not (rust/compat.h).
rklp_cfgs-$(call rklp_kver_ge,6,13) += rklp_hrtimer_setup
# C: symbol namespaces are strings, EXPORT_SYMBOL_NS_GPL(sym, "NS") (v6.13).
rklp_cfgs-$(call rklp_kver_ge,6,13) += rklp_ns_string
# C: an ftrace_ops' ops_func takes the function's ip too.
rklp_cfgs-$(call rklp_kver_ge,7,0) += rklp_ops_func_ip
# C: system_wq is deprecated (a warning in the log); system_percpu_wq.
rklp_cfgs-$(call rklp_kver_ge,7,0) += rklp_system_percpu_wq
# The kernel's bindgen parameters derive pin_init's `MaybeZeroable` for
# every struct (pin_init is its own crate): rklp's private bindings need
# it in scope. (Read from the parameters rklp's bindgen run uses.)
ifneq ($(shell grep -s MaybeZeroable $(srctree)/rust/bindgen_parameters),)
rklp_cfgs-y += rklp_maybe_zeroable
endif
# ftrace direct calls, which settling needs (src/settle.rs). x86 always
# has them: arch/x86/Kconfig:234 selects HAVE_DYNAMIC_FTRACE_WITH_DIRECT_CALLS
# and kernel/trace/Kconfig:329-332 makes DYNAMIC_FTRACE_WITH_DIRECT_CALLS
# def_bool y wherever ftrace has args or regs (7.3); other architectures
# may lack them. Without them rklp has no dispatcher and no direct ops, and
# patched functions stay on its handler. RKLP_NO_DIRECT_CALLS=1 builds rklp
# exactly so on any kernel, to test it (make check-nodirect). Not a
# version difference, but a kernel difference all the same: decided here,
# warned about by Kbuild.
rklp_direct_calls := $(if $(filter 1,$(RKLP_NO_DIRECT_CALLS)),,$(CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS))
rklp_cfgs-$(if $(rklp_direct_calls),,y) += rklp_no_direct_calls
# bindgen's --rust-target, as the kernel's rust/Makefile passes it.
rklp_bindgen_rust_target := $(if $(call rklp_kver_ge,7,0),1.85,1.68)

rustflags-y += $(addprefix --cfg ,$(rklp_cfgs-y))
# The same names for C, and rust/compat.h (C's shims) on the include path.
ccflags-y += $(addprefix -D,$(rklp_cfgs-y)) -I$(RKLP_DIR)/rust
