/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rklp's immediate mode and NMI in-flight guard
 * (src/consistency/immediate.rs, lifecycle.rs enable_immediate /
 * disable_immediate, src/redirect/handler.rs) in Promela. See
 * tools/model/README.md.
 *
 * One immediate patch (version 1) of F and G, enabled, then disabled.
 * A task calls F -> G; an NMI handler calls F -> G at any moment (stop
 * machine does not stop NMIs), in particular between any two steps of the
 * switch.
 *
 * Negative variants (each must yield a counterexample):
 *   NO_NMI_GUARD   the handler in NMI context does not move OPSTATE
 *                  UPDATING -> FAILED (use_new_version without the guard)
 *   NO_INHANDLER   the stop_machine check ignores a task stopped between
 *                  its handler's decision and the jump (immediate.rs without
 *                  Checks::in_handler, as in the code before a8c8e97)
 */

#define F 0
#define G 1
#define NF 2

/* Entry::op */
#define OP_NONE 0
#define OP_PATCH 1
#define OP_UNPATCH 2
/* OPSTATE */
#define IDLE 0
#define UPDATING 1
#define SUCCESS 2
#define FAILED 3

#define ATTEMPTS 2      /* immediate::ATTEMPTS is 5; 2 show the retry */
#define NOCHK 7

bit has[NF];            /* the patch's entry for fn is in the hash */
byte op[NF];            /* Entry::op */
byte opstate;           /* immediate::OPSTATE */
bit stopped;            /* inside stop_machine: tasks do not run */
bit freed;              /* the patch's code is freed (module gone) */
byte chk[NF];           /* Checks::build: version whose frame blocks */

/* the task (process 'Task') and the NMI handler ('Nmi'), index 0 and 1 */
bit inh[2];             /* handler's preemption-off section */
bit hnd[2];             /* stopped in the handler, decision pending */
byte hfn[2];
byte depth[2];
byte ofv[2];
byte iv[2];

/* immediate::use_new_version, then decide_in_switch: the entry or the
 * one below (the original). */
inline use_new(o) {
	st = opstate;                                   /* OPSTATE.load */
#ifndef NO_NMI_GUARD
	if
	:: st == UPDATING && nmi ->
		atomic {                                /* compare_exchange */
			if
			:: opstate == UPDATING -> opstate = FAILED; st = FAILED
			:: else -> st = opstate
			fi
		}
	:: else
	fi;
#endif
	ver = (((o == OP_PATCH) == (st == SUCCESS)) -> 1 : 0);
	printf("MSC: caller %d handler(fn %d): op %d, OPSTATE %d -> version %d\n", t, hfn[t], o, st, ver);
	st = 0
}

/* handler.rs RklpHandler::redirect, for caller t (nmi = t == 1) */
inline handler(fn) {
	atomic { !stopped || nmi; inh[t] = 1; hnd[t] = 1; hfn[t] = fn }
	if
	:: !has[fn] -> ver = 0                          /* FUNC_HASH.lookup */
	:: else ->
		o = op[fn];                             /* entry.op.load */
		if
		:: o != OP_NONE -> use_new(o)
		:: else -> ver = 1;                     /* no transition here */
		printf("MSC: caller %d handler(fn %d): no op -> version 1\n", t, fn)
		fi;
		o = 0
	fi;
	/* recursion unlock: a task is preemptible here; an NMI stays
	 * non-preemptible until it returns (end of its chain) */
	if
	:: !nmi -> inh[t] = 0; maysleep()
	:: else
	fi
}

inline maysleep() {
	if
	:: skip
	:: atomic { !stopped; printf("MSC: task preempted (handler pending %d, fn %d)\n", hnd[t], hfn[t]) };
	   atomic { !stopped; skip }    /* switched out (stop_machine, ...) */
	fi
}

inline enter_outer() {
	atomic {
		!stopped || nmi;
		hnd[t] = 0; hfn[t] = 0; depth[t] = 1; ofv[t] = ver;
		printf("MSC: caller %d runs F version %d\n", t, ver);
		assert(!(ver == 1 && freed));
		ver = 0
	}
}

inline enter_inner() {
	atomic {
		!stopped || nmi;
		hnd[t] = 0; hfn[t] = 0; depth[t] = 2; iv[t] = ver;
		printf("MSC: caller %d, in F version %d, runs G version %d\n", t, ofv[t], ver);
		assert(!(ver == 1 && freed));
		assert(ofv[t] == ver);          /* one version per chain */
		ver = 0
	}
}

/* The task (t = 0) and the NMI handler (t = 1): chains F -> G. The NMI
 * handler runs on another CPU, at any time, and is never stopped. */
proctype Caller(byte t; bit nmi)
{
	byte ver, o, st;
end_caller:
	do
	:: handler(F);
	   enter_outer();
	   if
	   :: !nmi -> maysleep()
	   :: else
	   fi;
	   handler(G);
	   enter_inner();
	   atomic { depth[t] = 0; ofv[t] = 0; iv[t] = 0; inh[t] = 0 }
	od
}

/* The stop_machine stack check of one task: a frame of a changed
 * function in the version being left; a task stopped in the handler
 * shows the call of __fentry__ in the original (version 0) and, with
 * Checks::in_handler, the handler itself. */
#ifdef NO_INHANDLER
#define INHANDLER       (hnd[0] && chk[hfn[0]] == 0)
#else
#define INHANDLER       hnd[0]
#endif
#define BLOCKED         ((depth[0] >= 1 && chk[F] == ofv[0]) || (depth[0] >= 2 && chk[G] == iv[0]) || INHANDLER)

/* immediate::switch: up to ATTEMPTS attempts (immediate::attempt), each in
 * stop_machine, with Checks::build / check_pinned (stack_check.rs) */
inline switch(tgt_new) {
	atomic {
		chk[F] = (tgt_new -> 0 : 1);    /* Checks::build */
		chk[G] = (tgt_new -> 0 : 1)
	}
	ok = 0;
	n = 0;
	do
	:: n == ATTEMPTS -> break
	:: n < ATTEMPTS && !ok ->
		if
		:: n > 0 -> opstate = UPDATING  /* retry after RETRY_DELAY_MS */
		:: else
		fi;
		/* stop_machine: every CPU runs its stopper once it leaves its
		 * preemption-off section or its NMI; NMIs may come after that */
		atomic { !inh[0] && !inh[1] -> stopped = 1; printf("MSC: stop_machine (attempt %d)\n", n) };
		if
		:: BLOCKED -> printf("MSC: the task's stack blocks\n")  /* Blocker::Task */
		:: else ->
			atomic {                /* compare_exchange */
				if
				:: opstate == UPDATING -> opstate = SUCCESS; ok = 1;
				   printf("MSC: task stack clean, OPSTATE UPDATING -> SUCCESS\n")
				:: else -> printf("MSC: cmpxchg fails: OPSTATE %d (an NMI)\n", opstate)
				fi
			}
		fi;
		stopped = 0;
		n++
	:: ok -> break
	od;
	if
	:: !ok -> opstate = FAILED
	:: else
	fi;
	n = 0
}

/* sys::synchronize_handlers (rude RCU): each CPU passes a point with
 * preemption on */
inline sync_handlers() {
	(inh[0] == 0);
	(inh[1] == 0)
}

/* immediate::end */
inline end() {
	sync_handlers();
	opstate = IDLE;
	printf("MSC: grace period, OPSTATE IDLE\n")
}

proctype Control()
{
	bit ok;
	byte n;
	/* lifecycle::enable_immediate */
	opstate = UPDATING;                             /* immediate::begin */
	printf("MSC: enable: OPSTATE UPDATING, entries pushed with OP_PATCH\n");
	atomic { op[F] = OP_PATCH; has[F] = 1 };        /* patch_objects */
	atomic { op[G] = OP_PATCH; has[G] = 1 };
	switch(1);                              /* immediate::switch(PATCHED) */
	if
	:: ok ->
		op[F] = OP_NONE;                        /* Redirect::set_op(OP_NONE) */
		op[G] = OP_NONE;
		end()
	:: else ->
		has[F] = 0;                             /* lifecycle::cancel: unpatch */
		has[G] = 0;
		sync_handlers();                        /* graveyard */
		freed = 1;
		end();                                  /* immediate::end */
		goto done
	fi;
	/* lifecycle::disable_immediate */
	opstate = UPDATING;                             /* begin */
	printf("MSC: disable: OPSTATE UPDATING, entries get OP_UNPATCH\n");
	op[F] = OP_UNPATCH;                             /* Redirect::set_op(OP_UNPATCH) */
	op[G] = OP_UNPATCH;
	switch(0);
	if
	:: ok ->
		has[F] = 0;                             /* finish::unpatching */
		has[G] = 0;
		sync_handlers();                        /* graveyard */
		end();                                  /* immediate::end */
		freed = 1;                              /* module may go */
		printf("MSC: entries removed, patch freed\n")
	:: else ->
		op[F] = OP_NONE;                        /* stays enabled */
		op[G] = OP_NONE;
		end()
	fi;
done:
end_done:
	skip
}

init {
	atomic {
		run Control();
		run Caller(0, 0);
		run Caller(1, 1)
	}
}
