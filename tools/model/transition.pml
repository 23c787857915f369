/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rklp's per-task consistency model (src/consistency/transition.rs,
 * stack_check.rs, finish.rs, task_table.rs, src/redirect/handler.rs,
 * func_hash.rs, src/lifecycle.rs, src/module_events.rs) in Promela.
 * See tools/model/README.md for the mapping to the code, the abstractions
 * and the properties; tools/model/check.sh for the runs.
 *
 * Functions: F (vmlinux), G (vmlinux), M (in a module that may load in
 * the middle of a transition). A call chain is F -> G or F -> M (depth 2).
 * Versions: 0 = original, 1 = patch P1 (F, G, M), 2 = patch P2 (F, G;
 * stacked on P1, with -DSTACK).
 *
 * Switches (cpp -D...):
 *   STACK        P2 exists (stacking, and a next transition after P1's)
 *   MODULE       M's module may load at any time (module_events::coming)
 *   FORK         tasks fork (inheritance) and exit (reaping, slot reuse)
 *   REVERSE      one reversal of a running transition
 *   FORCE        one force of a running transition
 *   LIVENESS     the environment may go quiet; with the ltl claim below
 *   SELF         tasks switch themselves (transition::SelfSwitch, a task
 *                work armed by the walk on every unswitched task it does
 *                not switch (transition::arm_one), run
 *                at depth 0, i.e. on the way back to user space, or in F,
 *                as a task work run inside the kernel), checking their own
 *                stack inside a read of the published checks (ReadSlot)
 * Negative variants (each must yield a counterexample):
 *   PIN_WINDOW   the switch is stored after the task is unpinned (the
 *                bug fixed in 9fe2590)
 *   NO_GRACE     no handler grace period after clearing `transition`
 *                (issue 8 item 4, fixed in 85c15ad)
 *   NO_INHANDLER the stack check ignores a task stopped between its
 *                handler's decision and the jump (Checks::in_handler)
 *   NO_FORKSEQ   completion ignores the count of unswitched inserts
 *                (unswitched_seq)
 *   FORK_STALE   the fork probe as before issue 17: the child copies its
 *                parent's state read before the insert lock, and
 *                init_task_states does not make new records start at the
 *                start state (with STACK: a child keeps P1's PATCHED
 *                while P2's entries are pushed)
 *   TARGET_UNLOCKED  a reversal changes the target without the insert
 *                lock (an insert in progress compared its state with the
 *                old target and is not counted; with REVERSE)
 *   NO_RETRY     (liveness) the transition work never retries
 *   NO_GEN       (with SELF) the work switches towards the target, and
 *                checks against the checks, of the transition it was
 *                armed in, without checking that this transition is still
 *                the published one, and outside the read section
 */

/* Task slots (records). Without FORK every slot holds a task from load
 * (populate()); with FORK slot 0 starts free for a child, so that a
 * child's record can come before its parent's in the walk. */
#ifndef NT
#define NT 2
#endif
#ifdef FORK
#define FIRST 1
#else
#define FIRST 0
#endif
#define F 0
#define G 1
#define M 2
#define NF 3
#define UNP 0           /* task_table::UNPATCHED */
#define PAT 1           /* task_table::PATCHED */
#define NOCHK 7         /* no check for this function */

/* task_table.rs keys */
#define EMPTY 0
#define TOMB 1
#define BUSY 2
#define RETIRED 3
#define LIVE 4

/* ---- the function hash (func_hash.rs) ---- */
bit has1[NF];           /* P1's entry for fn is in the hash */
bit has2[NF];           /* P2's entry (always on top of P1's) */
bit tr1[NF];            /* Entry::transition of P1's entry */
bit tr2[NF];
#define TOP(fn)         (has2[fn] -> 2 : (has1[fn] -> 1 : 0))
#define TRN(e, fn)      (e == 2 -> tr2[fn] : tr1[fn])
/* Entry::below: P1's entry under P2's, else none (the original) */
#define BELOW(e, fn)    ((e == 2 && has1[fn]) -> 1 : 0)

/* ---- the task table (task_table.rs) ---- */
byte key[NT];
bit dead[NT];           /* Record::dead (sched_process_free) */
bit state[NT];          /* Record::state */
bit ilock;              /* INSERT_LOCK */
byte useq;              /* unswitched_seq: inserts not at the target
                           (bounded: at most MAXFORK inserts) */
bit initing;            /* TaskTable::initializing */

/* ---- the tasks, as the stack checker and the properties see them ---- */
bit alive[NT];          /* the task exists (slot's process is running it) */
bit oncpu[NT];          /* task_call_func would find it running */
bit inh[NT];            /* inside the handler's preemption-off section */
bit hnd[NT];            /* handler frame on its stack (decision pending) */
byte hfn[NT];           /* ... called from this function's __fentry__ */
byte depth[NT];         /* frames of changed functions: 0, 1 (F), 2 */
byte ofv[NT];           /* version of its F frame */
byte ifn[NT];           /* G or M, its inner frame */
byte iv[NT];            /* version of its inner frame */
bit exempt[NT];         /* chain overlapped a force: not checked */

/* ---- the core state, behind the core mutex (one Control process) ---- */
bit intr;               /* CoreState::transition is Some */
byte trp;               /* the patch in transition */
bit target;             /* Transition::target (and TARGET) */
byte chk[NF];           /* Transition::checks: version whose frame blocks */
byte pst[3];            /* patch p: 0 not loaded, 1 in the list, 2 gone */
bit pen[3];             /* Patch::enabled */
bit freed1, freed2;     /* patch's code freed (module gone) */
bit forced;             /* Patch::forced (of every patch present) */
bit forcing;            /* a force is storing states */
bit modlive;            /* M's module is live (after its coming notifier) */
bit quiet;              /* LIVENESS: tasks no longer call, and sleep */
byte forks;

#define MAXFORK 2

#ifdef SELF
/* ---- the tasks' own switches (transition.rs SelfSwitch, ReadSlot) ---- */
bit queued[NT];         /* Record::queued: the work is queued */
byte armed[NT];         /* Record::armed_gen */
byte gen;               /* GENERATION (Control only) */
byte pubgen;            /* SELF_SWITCH: published generation, 0 = empty */
bit pubtgt;             /* ... the published checks' target */
byte rd;                /* SELF_SWITCH.readers */
#ifdef NO_GEN
bit atgt[NT];           /* the target when armed */
byte achk[6];           /* the checks when armed, [t * NF + fn] (NT <= 2) */
#endif
#endif

/* handler.rs RklpHandler::redirect + decide_in_switch, for task t
 * calling fn. Steps: lookup (top entry, Acquire), transition flag of that
 * entry (Acquire), then current_state() and the entry below. */
inline handler(fn) {
	/* ftrace recursion lock: preemption off; a chain that overlaps a force
	 * is exempt from the mixing check */
	atomic { inh[t] = 1; hnd[t] = 1; hfn[t] = fn; exempt[t] = exempt[t] || forcing }
	e = TOP(fn);                        /* FUNC_HASH.lookup(ip) */
	if
	:: e == 0 -> ver = 0                /* not in the hash: original */
	:: e != 0 ->
		if
		:: atomic { TRN(e, fn) ->   /* entry.transition.load(Acquire) */
			printf("MSC: task %d handler(fn %d): entry %d has transition set\n", t, fn, e) }
			/* current_state() == UNPATCHED -> entry.below(). The
			 * read of `below` is merged with the state read: it only
			 * changes when P1's entries are removed, which happens
			 * in P1's own transition, after a handler grace period
			 * that follows P2's transition. */
			if
			:: state[t] == UNP -> ver = BELOW(e, fn)
			:: else -> ver = e
			fi;
			printf("MSC: task %d handler(fn %d): task state %d -> version %d\n", t, fn, state[t], ver)
		:: else -> ver = e          /* common case: entry.new_func */
		fi
	fi;
	inh[t] = 0;                         /* ftrace_test_recursion_unlock() */
	/* ... the only point where the handler is preemptible: a task
	 * stopped here has decided but shows no frame of fn yet */
	if
	:: skip
	:: atomic { oncpu[t] = 0;
	   printf("MSC: task %d preempted in the handler of fn %d (decided version %d)\n", t, fn, ver) };
	   oncpu[t] = 1
	fi
}

/* The jump to the chosen version: fn's frame is on the stack. */
inline enter_outer() {
	atomic {
		hnd[t] = 0; hfn[t] = 0; depth[t] = 1; ofv[t] = ver;
		printf("MSC: task %d runs F version %d\n", t, ver);
		assert(!(ver == 1 && freed1) && !(ver == 2 && freed2));
		e = 0; ver = 0
	}
}

inline enter_inner(fn) {
	atomic {
		hnd[t] = 0; hfn[t] = 0; depth[t] = 2; ifn[t] = fn; iv[t] = ver;
		printf("MSC: task %d, in F version %d, runs fn %d version %d\n", t, ofv[t], fn, ver);
		assert(!(ver == 1 && freed1) && !(ver == 2 && freed2));
		/* The property: one patch, one version per call chain. P1
		 * changes F, G and M; P2 (above P1) changes F and G. */
		assert(exempt[t] ||
		       (fn == G && ofv[t] == ver) ||
		       (fn == M && (ofv[t] >= 1) == (ver >= 1)));
		e = 0; ver = 0
	}
}

/* A point where the task may block (be switched out). */
inline maysleep() {
	if
	:: skip
	:: atomic { oncpu[t] = 0; printf("MSC: task %d sleeps (depth %d)\n", t, depth[t]) }; oncpu[t] = 1
	fi
}

/* Checks::check_pinned / check_frames (stack_check.rs): a frame of a changed function in the version
 * being left; a task stopped in the handler also shows the call site of
 * __fentry__ in the original function (version 0), and, unless
 * NO_INHANDLER, Checks::in_handler catches it whatever the versions. */
#ifdef NO_INHANDLER
#define INHANDLER(i)    (hnd[i] && chk[hfn[i]] == 0)
#else
#define INHANDLER(i)    hnd[i]
#endif
#define BLOCKED(i)      ((depth[i] >= 1 && chk[F] == ofv[i]) || (depth[i] >= 2 && chk[ifn[i]] == iv[i]) || INHANDLER(i))

#ifdef SELF
/* SelfSwitch::run in task t, at a point where it runs its task works. */
#ifndef NO_GEN
inline selfswitch() {
	queued[t] = 0;                      /* cleared first (may be re-armed) */
	/* SELF_SWITCH.read: preemption off; counted, then the slot */
	atomic { rd++; g = pubgen }
	atomic {
		if
		:: g != 0 && armed[t] == g && state[t] != pubtgt && !BLOCKED(t) ->
			state[t] = pubtgt;
			printf("MSC: task %d switches itself to %d (generation %d, depth %d)\n", t, pubtgt, g, depth[t])
		:: else
		fi;
		rd--; g = 0
	}
}
#else
#define BLOCKEDA(i)     ((depth[i] >= 1 && achk[i * NF + F] == ofv[i]) || (depth[i] >= 2 && achk[i * NF + ifn[i]] == iv[i]) || hnd[i])
inline selfswitch() {
	queued[t] = 0;
	atomic {
		if
		:: state[t] != atgt[t] && !BLOCKEDA(t) -> g = 1
		:: else
		fi
	}
	maysleep();
	atomic {
		if
		:: g -> state[t] = atgt[t];
			printf("MSC: task %d switches itself to %d (as armed, depth %d)\n", t, atgt[t], depth[t])
		:: else
		fi;
		g = 0
	}
}
#endif
/* A point where the task may run its task works. */
inline mayrunwork() {
	if
	:: queued[t] -> selfswitch()
	:: skip
	fi
}
#else
inline mayrunwork() {
	skip
}
#endif

#define FREESLOT(c)     (!alive[c] && (key[c] == EMPTY || key[c] == TOMB))
#if NT == 3
#define ANYDEAD ((key[0] == LIVE && dead[0]) || (key[1] == LIVE && dead[1]) || (key[2] == LIVE && dead[2]))
#define ANYFREE (FREESLOT(0) || FREESLOT(1) || FREESLOT(2))
#else
#define ANYDEAD ((key[0] == LIVE && dead[0]) || (key[1] == LIVE && dead[1]))
#define ANYFREE (FREESLOT(0) || FREESLOT(1))
#endif


/* The fork probe (RklpTaskEvents::created) in the parent t, preemption
 * off: the child c gets the parent's current state, then is inserted
 * (TaskTable::insert: claim BUSY, fill, publish, unswitched_seq++ if the
 * child's state is not the target). Under the insert lock, the child's
 * state: the start state while init_task_states runs, else the parent's,
 * and the target it is compared with. */
inline fork() {
#ifdef FORK_STALE
	s = state[t];                                   /* current_state(), unlocked */
#endif
	atomic {
		!ilock;
		c = NT;                 /* none free: the fork fails, see README */
		for (i : 0 .. NT - 1) {
			if
			:: c == NT && FREESLOT(i) -> c = i
			:: else
			fi
		}
		i = 0;
		if
		:: c < NT -> ilock = 1; key[c] = BUSY;  /* claimed */
#ifndef FORK_STALE
			s = (initing -> 1 - target : state[t]);
#endif
			cnt = (s != target)
		:: else
		fi
	}
	if
	:: c < NT ->
		atomic {
			state[c] = s; dead[c] = 0; key[c] = LIVE; /* published */
			if
			:: cnt -> useq++
			:: else
			fi;
			printf("MSC: task %d forks task %d with state %d (unswitched_seq %d)\n", t, c, s, useq);
			ilock = 0; cnt = 0
		}
		forks++;
		alive[c] = 1                            /* wake_up_new_task */
	:: else
	fi
}


proctype Task(byte t)
{
	byte e, ver, s, c, i, g;
	bit cnt;
end_unborn:
	do
	:: alive[t] ->
		oncpu[t] = 1;
end_live:
		do
		:: !quiet ->
			/* a call of F, which calls G or M */
			handler(F);
			enter_outer();
			maysleep();
			mayrunwork();
			if
			:: handler(G); enter_inner(G)
			:: modlive -> handler(M); enter_inner(M)
			fi;
			maysleep();
			/* both return */
			atomic { depth[t] = 0; exempt[t] = 0; ofv[t] = 0; ifn[t] = 0; iv[t] = 0 }
		:: !quiet -> oncpu[t] = 0; oncpu[t] = 1  /* sleeps at depth 0 */
#ifdef SELF
		:: !quiet && queued[t] -> selfswitch()   /* back to user space */
#endif
#ifdef FORK
		:: !quiet && forks < MAXFORK && ANYFREE -> fork()
		:: !quiet -> break                       /* do_exit() */
#endif
		:: quiet -> oncpu[t] = 0;               /* sleeps for good */
end_quiet:		false
		od;
		/* past its final schedule: no stack, not running */
		oncpu[t] = 0;
		/* sched_process_free -> TaskTable::mark_dead, REAP_WORK */
		atomic { dead[t] = 1; alive[t] = 0; printf("MSC: task %d exited and is freed\n", t) }
	od
}

#ifdef FORK
/* TaskTable::reap: retire dead records under the insert lock; after an
 * RCU grace period make them tombstones (reusable). The grace period is
 * what allows the walker's per-record step to be one atomic step below. */
proctype Reaper()
{
	byte i;
end_reaper:
	do
	:: atomic {
		!ilock &&
		ANYDEAD ->
		for (i : 0 .. NT - 1) {
			if
			:: key[i] == LIVE && dead[i] -> key[i] = RETIRED
			:: else
			fi
		}
	   }
	   /* synchronize_rcu() */
	   atomic {
		!ilock;
		for (i : 0 .. NT - 1) {
			if
			:: key[i] == RETIRED -> key[i] = TOMB
			:: else
			fi
		}
	   }
	od
}
#endif

/* ------------------------- the core state ------------------------- */

/* Checks::build (stack_check.rs), `changed`: patching: what runs now for each function of
 * the patch (the entry below); unpatching: the patch's replacements. */
inline build_checks(p, tgt) {
	atomic {
		for (i : 0 .. NF - 1) {
			if
			:: (p == 1 && has1[i]) || (p == 2 && has2[i]) ->
				chk[i] = (tgt == PAT -> BELOW(p, i) : p)
			:: else -> chk[i] = NOCHK
			fi
		}
	}
}

/* transition::init_task_states: every live record to the state opposite
 * the target (for_each_record: one record per step; forks run meanwhile). */
inline init_task_states(tgt) {
	/* TaskTable::begin_init, under the insert lock */
	atomic {
		!ilock -> target = tgt;
#ifndef FORK_STALE
		initing = 1
#endif
	}
	for (i : 0 .. NT - 1) {
		if
		:: key[i] == LIVE && !dead[i] -> state[i] = 1 - tgt;
		   printf("MSC: init_task_states: task %d state %d\n", i, 1 - tgt)
		:: else
		fi
	}
	/* TaskTable::end_init */
	atomic { !ilock -> initing = 0 }
}

/* Redirect::set_transition / HashWriter::set_transition, one
 * entry per step. */
inline set_trans(p, on) {
	for (i : 0 .. NF - 1) {
		if
		:: p == 1 && has1[i] -> tr1[i] = on; printf("MSC: P1 entry of fn %d: transition = %d\n", i, on)
		:: p == 2 && has2[i] -> tr2[i] = on; printf("MSC: P2 entry of fn %d: transition = %d\n", i, on)
		:: else
		fi
	}
}

/* sys::synchronize_handlers (synchronize_rcu_tasks_rude): every CPU
 * passes a point with preemption on, i.e. every handler's preemption-off
 * section that had started has ended. One task per step. */
inline sync_handlers() {
	for (i : 0 .. NT - 1) {
		(inh[i] == 0)
	}
}

#ifdef SELF
/* ReadSlot::clear (SELF_SWITCH): empty, then wait for the readers */
inline withdraw() {
	pubgen = 0;
	(rd == 0)
}
/* transition::start: SELF_SWITCH.set (a new generation) */
inline publish() {
	withdraw();
	gen++; pubtgt = target; pubgen = gen
}
/* transition::arm_one, from the walk, on task i that it did not switch
 * (running, i.e. runnable, or not clean): armed for the running
 * generation, queued unless it still is */
inline arm(i) {
	armed[i] = gen; queued[i] = 1;
#ifdef NO_GEN
	atgt[i] = target;
	achk[i * NF + F] = chk[F]; achk[i * NF + G] = chk[G]; achk[i * NF + M] = chk[M];
#endif
	printf("MSC: task %d armed (generation %d)\n", i, gen)
}
#else
inline withdraw() {
	skip
}
inline publish() {
	skip
}
inline arm(i) {
	skip
}
#endif

/* transition::complete (finish::unpatching when unpatching) */
inline complete() {
#ifndef NO_GEN
	withdraw();
#endif
	if
	:: target == PAT ->
		set_trans(trp, 0);
#ifndef NO_GRACE
		sync_handlers();
		printf("MSC: handler grace period done\n");
#endif
		pen[trp] = 1
	:: else ->
		/* finish::unpatch -> Redirect::unpatch_objects: HashWriter::remove, one entry
		 * per step; then the graveyard's grace period; the patch is
		 * freed (its module may go) unless forced */
		for (i : 0 .. NF - 1) {
			if
			:: trp == 1 && has1[i] -> has1[i] = 0; printf("MSC: P1 entry of fn %d removed\n", i)
			:: trp == 2 && has2[i] -> has2[i] = 0; printf("MSC: P2 entry of fn %d removed\n", i)
			:: else
			fi
		}
		sync_handlers();
		atomic {
			pst[trp] = 2; pen[trp] = 0;
			if
			:: !forced && trp == 1 -> freed1 = 1
			:: !forced && trp == 2 -> freed2 = 1
			:: else
			fi
		}
	fi;
	intr = 0;
	printf("MSC: P%d: transition to %d complete\n", trp, target)
}

#ifdef NO_FORKSEQ
#define SEQ_SAME        1
#else
#define SEQ_SAME        (useq == seq0)
#endif

/* transition::try_complete: one walk of the table (TaskTable::for_each),
 * try_switch on each record, then the completion check. Each record's
 * step is atomic: read the key, pin the task (task_call_func: it cannot
 * run meanwhile), check its stack, store the switch, unpin. */
inline try_complete() {
	all = 1;
	seq0 = useq;
	for (i : 0 .. NT - 1) {
		atomic {
			if
			/* a BUSY record is skipped: at the target, or counted */
			:: key[i] == LIVE && !dead[i] && state[i] != target ->
				if
				:: oncpu[i] -> all = 0; arm(i)  /* Reason::Running (or runnable) */
				:: else ->
					/* Checks::check_pinned: changed function on
					 * the stack, or stopped in the handler
					 * (Checks::in_handler) */
					if
					:: BLOCKED(i) -> all = 0; arm(i)
					:: else ->
#ifdef PIN_WINDOW
						pend = 1;  /* stored after the unpin */
						printf("MSC: worker: task %d pinned, stack clean, unpinned\n", i)
#else
						state[i] = target; /* switch_if_clean */
						printf("MSC: worker: task %d pinned, stack clean, switched to %d\n", i, target)
#endif
					fi
				fi
			:: else
			fi
		}
#ifdef PIN_WINDOW
		if
		:: atomic { pend -> state[i] = target; pend = 0;
		   printf("MSC: worker: task %d switched to %d\n", i, target) }
		:: else
		fi
#endif
	}
	if
	:: all && SEQ_SAME -> complete()
	:: else                                 /* TRANSITION_WORK retry */
	fi;
	atomic { all = 0; seq0 = 0 }
}

/* transition::start (start, then try_complete at once) */
inline start(p, tgt) {
	trp = p; intr = 1;
	printf("MSC: P%d: starting transition to %d\n", p, tgt);
	publish();
	try_complete()
}

/* lifecycle::enable_prepared (not immediate): init_task_states(PATCHED),
 * patch_objects (entries pushed with `transition` already set, one per
 * step), prepare_checks, start. */
inline enable(p) {
	pst[p] = 1;
	init_task_states(PAT);
	for (i : 0 .. NF - 1) {
		if
		:: p == 1 && (i != M || modlive) -> atomic { tr1[i] = 1; has1[i] = 1; printf("MSC: P1 entry of fn %d pushed, in transition\n", i) }
		:: p == 2 && i != M -> atomic { tr2[i] = 1; has2[i] = 1; printf("MSC: P2 entry of fn %d pushed, in transition\n", i) }
		:: else
		fi
	}
	build_checks(p, PAT);
	start(p, PAT)
}

/* lifecycle::disable_transition */
inline disable(p) {
	build_checks(p, UNP);
	init_task_states(UNP);
	set_trans(p, 1);
	pen[p] = 0;
	start(p, UNP)
}

proctype Control()
{
	byte i, seq0;
	bit all, pend;
	bit reversed, forced_once;
end_control:
	do
	/* enabling and disabling: one transition at a time */
	:: !intr && pst[1] == 0 -> enable(1)
#ifdef STACK
	:: !intr && pst[2] == 0 && pst[1] == 1 && pen[1] -> enable(2)
	:: !intr && pst[2] == 1 && pen[2] -> disable(2)
#endif
	:: !intr && pst[1] == 1 && pen[1] && pst[2] != 1 -> disable(1)
	/* TRANSITION_WORK, every RETRY_MS */
#ifndef NO_RETRY
	:: intr -> try_complete()
#endif
#ifdef REVERSE
	/* transition::reverse */
	:: intr && !reversed ->
		reversed = 1;
		withdraw();
		build_checks(trp, 1 - target);
		pen[trp] = (target == UNP);
		/* TaskTable::set_target, under the insert lock (transition::start) */
#ifdef TARGET_UNLOCKED
		target = 1 - target;
#else
		atomic { !ilock -> target = 1 - target };
#endif
		printf("MSC: P%d: reversing, target %d\n", trp, target);
		publish();
		try_complete()
#endif
#ifdef FORCE
	/* transition::force: chains running meanwhile are exempt from the
	 * mixing check (force is documented as unsafe for them) */
	:: intr && !forced_once ->
		forced_once = 1;
		atomic {
			forcing = 1;
			for (i : 0 .. NT - 1) {
				exempt[i] = exempt[i] || depth[i] > 0 || hnd[i]
			}
		}
		for (i : 0 .. NT - 1) {
			if
			:: key[i] == LIVE && !dead[i] -> state[i] = target
			:: else
			fi
		}
		forced = 1;
		printf("MSC: P%d: forced\n", trp);
		forcing = 0;
		complete()
#endif
#ifdef MODULE
	/* module_events::coming: P1's object for M is patched, with
	 * `transition` set if P1 is in transition, and its checks refreshed;
	 * the module's code runs only afterwards (its init comes later). */
	:: !modlive ->
		if
		:: pst[1] == 1 ->
			atomic { tr1[M] = (intr && trp == 1); has1[M] = 1 };
			if
			:: intr && trp == 1 ->
				/* refresh_checks: SELF_SWITCH.set, same generation */
				withdraw();
				build_checks(1, target);
#ifdef SELF
				pubgen = gen
#else
				skip
#endif
			:: else
			fi
		:: else
		fi;
		modlive = 1; i = 0;
		printf("MSC: module of M live\n")
#endif
#ifdef LIVENESS
	:: !quiet -> quiet = 1
#endif
	od
}

init {
	byte i;
	atomic {
		/* populate(): the tasks at load, recorded UNPATCHED */
		for (i : FIRST .. NT - 1) {
			key[i] = LIVE; alive[i] = 1; oncpu[i] = 1
		}
		run Control();
		for (i : 0 .. NT - 1) {
			run Task(i)
		}
#ifdef FORK
		run Reaper();
#endif
	}
}

#ifdef LIVENESS
/* Once the tasks have left the changed functions for good (quiet), every
 * transition completes. */
ltl completes { [] (quiet -> <> !intr) }
#endif
