/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A settled function's ftrace state against rklp's settle work, patching
 * and unpatching, its module going, and a kprobe with a post_handler armed
 * through kprobes' already registered IPMODIFY ops (src/settle.rs,
 * src/redirect/direct.rs, install.rs, handler.rs Filter, rust/direct.c
 * rklp_ftrace_set_filter_ips_claimed; module_events.rs going). See
 * tools/model/README.md.
 *
 * One function X, in a module. ftrace's state of its record: in the filter
 * of rklp's handler ops (IPMODIFY), a direct call of a batch of rklp's, the
 * record's FTRACE_FL_IPMODIFY flag, the kprobe. ftrace's rules, as 6.12
 * applies them: a normal filter add of an IPMODIFY ops fails with EBUSY if
 * the flag is set (and sets it), a normal remove clears it; arming the
 * kprobe through the registered kprobe_ipmodify_ops only checks the flag.
 *
 * Properties (a monitor asserts them in every state):
 *   served   while X is patched, its calls reach rklp: through the handler
 *            or a direct call (never the original alone);
 *   refused  the kprobe is never armed while X is patched (on the handler
 *            or settled) or settled: it gets EBUSY, on a settled function
 *            as on the handler (a function no longer patched whose direct
 *            call is being unregistered sends its calls to the original:
 *            a kprobe may arm there);
 *   gone     when X's module has gone (its going notifier returned), X has
 *            no direct call (ftrace forgets the record, not the call).
 *
 * Negative variants (each must yield a counterexample):
 *   NO_CLAIM   the hand-over from the handler to the direct call clears
 *              the flag (the code before issue 17): the kprobe arms on a
 *              settled function
 *   NO_WAIT    the going notifier releases only the batches it finds, and
 *              does not wait for a release of its functions under way
 *              (no 'release' mutex): it returns while X has a direct call
 */

bit in_hash;            /* X is patched (FUNC_HASH) */
bit in_filter;          /* in rklp's handler ops' filter */
bit direct;             /* a direct ops of rklp's covers X (registered) */
bit flag;               /* the record's FTRACE_FL_IPMODIFY */
bit kprobe;             /* the kprobe is armed on X */
bit gone;               /* X's module went (going notifier returned) */

/* rklp's bookkeeping (src/redirect/direct.rs) */
bit batch;              /* X in a registered batch (by_ip: covers) */
bit releasing;          /* X's batch is detached, not finished */
bit outside;            /* ... and X was in neither hash nor filter */

bit mutex;              /* the core mutex */
bit rel;                /* the release mutex */

inline lock(m) { atomic { m == 0 -> m = 1 } }
inline unlock(m) { m = 0 }

/* Filter::add: ftrace refuses a second IPMODIFY user */
inline filter_add(ok) {
	atomic {
		if
		:: flag -> ok = 0
		:: else -> in_filter = 1; flag = 1; ok = 1
		fi
	}
}
inline filter_remove() { atomic { in_filter = 0; flag = 0 } }
/* Filter::add_claimed / remove_keep_claim: the flag is left alone */
inline filter_add_claimed() { in_filter = 1 }
inline filter_remove_keep_claim() {
#ifdef NO_CLAIM
	atomic { in_filter = 0; flag = 0 }
#else
	in_filter = 0
#endif
}

/* Direct::detach + Released::unregister + Direct::finish_release */
inline release() {
	atomic {
		printf("MSC: detach (X patched: %d)\n", in_hash);
		if
		:: in_hash -> filter_add_claimed()     /* back to the handler */
		:: else -> outside = 1
		fi;
		batch = 0;
		releasing = 1
	};
	unlock(mutex);
	direct = 0;                                     /* unregister_ftrace_direct */
	printf("MSC: direct call unregistered\n");
	lock(mutex);
	atomic {
		releasing = 0;
		if
		:: outside && !in_hash ->
			filter_add_claimed();           /* then a normal remove: */
			filter_remove()                 /* the claim goes */
		:: else
		fi;
		outside = 0
	}
}

/* the settle work (SettleWork::run) */
proctype Work()
{
	bit ok;
	do
	:: gone -> break
	/* settle_batch: register the batch, hand X over */
	:: atomic { lock(mutex); !gone && in_hash && in_filter && !batch && !releasing } ->
		direct = 1;                             /* register_ftrace_direct (SELF: consent) */
		batch = 1;
		filter_remove_keep_claim();
		printf("MSC: settled\n");
		unlock(mutex)
	/* detach_one: a batch with an unpatched function, or (direct=0,
	 * or another function of the batch unpatched) any batch */
	:: atomic { rel == 0 && mutex == 0 && batch -> rel = 1; mutex = 1 } ->
		release();
		unlock(mutex);
		unlock(rel)
	od
}

/* enabling, disabling, atomic replace: under the core mutex */
proctype Control()
{
	bit ok;
	byte n;
	do
	:: n < 3 && !in_hash ->                         /* patch_objects */
		lock(mutex);
		atomic {
			if
			:: batch -> in_hash = 1         /* covered: the dispatcher's slow path finds it */
			:: !batch && outside ->
				filter_add_claimed();
				outside = 0;            /* take_claim */
				in_hash = 1
			:: !batch && !outside && !in_filter ->
				filter_add(ok);
				if
				:: ok -> in_hash = 1; printf("MSC: patched\n")
				:: else -> printf("MSC: patch refused (EBUSY)\n")
				fi
			:: !batch && !outside && in_filter -> in_hash = 1
			fi;
			ok = 0
		};
		n++;
		unlock(mutex)
	:: in_hash ->                                   /* unpatch_objects */
		lock(mutex);
		atomic {
			in_hash = 0;
			printf("MSC: unpatched\n");
			if
			:: batch -> skip                /* table entry out; released later */
			:: !batch && in_filter -> filter_remove()
			:: else
			fi
		};
		unlock(mutex)
	:: break
	od;
	/* The module goes: module_events::going, then release_module. */
	lock(mutex);
	atomic {
		in_hash = 0;
		if
		:: !batch && in_filter -> filter_remove()
		:: else
		fi
	};
	unlock(mutex);
#ifdef NO_WAIT
	lock(mutex);
	if
	:: batch -> release()
	:: else
	fi;
	unlock(mutex);
#else
	lock(rel);
	lock(mutex);
	if
	:: batch -> release()
	:: else
	fi;
	unlock(mutex);
	unlock(rel);
#endif
	gone = 1;
	printf("MSC: the module has gone\n")
}

/* a post_handler kprobe armed through kprobes' registered IPMODIFY ops */
proctype Kprobe()
{
	do
	:: !gone && !kprobe ->
		atomic {
			if
			:: !flag -> flag = 1; kprobe = 1; printf("MSC: kprobe armed\n")
			:: else -> printf("MSC: kprobe refused (EBUSY)\n")
			fi
		}
	:: kprobe -> atomic { kprobe = 0; flag = 0 }
	:: gone -> break
	od
}

proctype Monitor()
{
	do
	:: assert(!in_hash || in_filter || direct);     /* served */
	:: assert(!(kprobe && (in_hash || batch)));     /* refused */
	:: assert(!(gone && direct));                   /* gone */
	od
}

init {
	atomic {
		/* X patched, on the handler */
		in_hash = 1; in_filter = 1; flag = 1;
		run Work();
		run Control();
		run Kprobe();
		run Monitor()
	}
}
