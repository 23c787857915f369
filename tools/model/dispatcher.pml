/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The settled functions' dispatcher table in Promela: the dispatcher's
 * lookup (rust/direct_stubs.S rklp_direct_dispatch: compare the key, then
 * load the target: two reads, preemptible in between) against its one
 * writer (rust/direct.rs Table: set, set_existing, remove, compaction, the
 * quarantine of vacated slots; src/settle.rs: the grace period the settle
 * work waits for outside the core mutex). See tools/model/README.md.
 *
 * Two functions A and B whose keys hash to the same home slot (the worst
 * case: every probe chain is shared); a table of N slots, at most CAP = N/2
 * live entries (CAPACITY). Two dispatchers, one for a call of A and one for
 * a call of B, each looping forever; a task may be preempted between any
 * two of its reads.
 *
 * Property: a dispatcher that found its key in slot i and then loaded the
 * target of slot i gets 0 ("ask rklp") or one of its own function's
 * replacements, never another function's (it would return into B's
 * replacement with A's arguments); and every probe chain ends at an empty
 * key (the dispatcher's loop terminates).
 *
 * Negative variants (each must yield a counterexample):
 *   NO_QUARANTINE      the code before issue 17: a removed entry's slot is
 *                      a tombstone that set() reuses at once, and set()
 *                      compacts the table in place when it is full
 *   NO_COMPACT_GRACE   vacated slots are quarantined, but compaction still
 *                      refills the slots in place, without a grace period
 */

#define N 4             /* RKLP_DIRECT_TABLE (2^14 in the code) */
#define CAP 2           /* CAPACITY = RKLP_DIRECT_TABLE / 2 */

/* keys (direct_stubs.h) */
#define EMPTY 0
#define TOMB 1          /* RKLP_DIRECT_TOMBSTONE: vacated, reusable */
#define QNEW 2          /* RKLP_DIRECT_QUARANTINED: vacated since the last grace period began */
#define QOLD 3          /* RKLP_DIRECT_COOLING: vacated before the grace period in progress */
#define KA 10           /* A's fentry return address */
#define KB 11           /* B's */
#define HOME 0          /* home(KA) == home(KB) */

/* targets */
#define TA1 20          /* A's replacement (one patch) */
#define TA2 21          /* A's replacement (another patch, resettled) */
#define TB 30           /* B's replacement */

byte key[N];
byte tgt[N];

/* The writer's counters (Table::live, Table::used) and its own map of the
 * logical content (what find() would return; during a compaction, the
 * entries it puts back). */
byte live;
byte used;
byte lva;               /* A's target + 1, 0: no entry */
byte lvb;
bit compacting;         /* between compaction's clear and its refill */
bit want_compact;       /* a set() found the table full of vacated slots */
bit gp;                 /* a grace period is in progress */

/* RCU Tasks (and Tasks Rude): a dispatcher is in its read-side section
 * from the fentry call until it has returned into its target (a task
 * stopped in the dispatcher has not passed a voluntary context switch, and
 * preemption is off in it when interrupts are). */
bit in_disp[2];
bit hold[2];            /* in the dispatcher when the grace period began */

#define OK_TARGET(k, t) \
	((t) == 0 || ((k) == KA && ((t) == TA1 || (t) == TA2)) || ((k) == KB && (t) == TB))

proctype Dispatcher(byte r; byte k)
{
	byte i, t;
	do
	:: in_disp[r] = 1;                              /* call rklp_direct_dispatch */
		i = HOME;
		do
		:: atomic { key[i] == k ->              /* cmpq table(%r10), %r11 */
			printf("MSC: dispatcher %d (key %d) matches slot %d\n", r, k, i) };
			d_step {
				t = tgt[i];             /* movq table+8(%r10), %r11 */
				if
				:: !OK_TARGET(k, t) ->
					printf("MSC: dispatcher %d (key %d) matched slot %d, then loaded target %d\n", r, k, i, t)
				:: else
				fi;
				assert(OK_TARGET(k, t));
				t = 0
			};
			break
		:: key[i] != k ->
			if
			:: key[i] == EMPTY -> break     /* cmpq $0: a miss */
			:: else ->
				/* the chain ends at an empty key (HOME is 0) */
				assert(i + 1 < N);
				i++
			fi
		od;
		atomic { in_disp[r] = 0; hold[r] = 0; i = 0 }   /* RET into the target */
	od
}

/* Table::find, into j (N: none) */
inline find(k) {
	d_step {
		j = HOME;
		c = 0;
		do
		:: c == N -> j = N; break
		:: key[j] == k -> break
		:: key[j] == EMPTY -> j = N; break
		:: else -> j = (j + 1) % N; c++
		od;
		c = 0
	}
}

inline set_lv(k, v) {
	if
	:: k == KA -> lva = v
	:: else -> lvb = v
	fi
}

inline get_lv(k, v) {
	if
	:: k == KA -> v = lva
	:: else -> v = lvb
	fi
}

/* Table::compact as it was (and is in NO_COMPACT_GRACE): empties every
 * slot, then puts the live entries back, in place. */
inline compact_in_place() {
	printf("MSC: compaction in place\n");
	j = 0;
	do
	:: j < N -> tgt[j] = 0; key[j] = EMPTY; j++
	:: else -> break
	od;
	used = 0;
	live = 0;
	refill()
}

/* Puts the entries of the writer's map into an empty table. */
inline refill() {
	if
	:: lva != 0 ->
		j = HOME;
		do
		:: key[j] == EMPTY -> break
		:: else -> j = (j + 1) % N
		od;
		tgt[j] = lva - 1; key[j] = KA; live++; used++
	:: else
	fi;
	if
	:: lvb != 0 ->
		j = HOME;
		do
		:: key[j] == EMPTY -> break
		:: else -> j = (j + 1) % N
		od;
		tgt[j] = lvb - 1; key[j] = KB; live++; used++
	:: else
	fi;
	j = 0
}

/* Table::set(k, t) */
inline set(k, t) {
	get_lv(k, v);
	if
	:: compacting -> set_lv(k, t + 1)               /* put back at the refill */
	:: !compacting && v != 0 ->
		find(k);
		atomic { tgt[j] = t; set_lv(k, t + 1) }
	:: !compacting && v == 0 && live >= CAP -> skip /* ENOSPC */
	:: !compacting && v == 0 && live < CAP ->
#if defined(NO_QUARANTINE) || defined(NO_COMPACT_GRACE)
		if
		:: used >= CAP -> compact_in_place()
		:: else
		fi;
#endif
		/* the first EMPTY or reusable (TOMB) slot of the chain */
		d_step {
			j = HOME;
			do
			:: key[j] == EMPTY || key[j] == TOMB -> break
			:: else -> j = (j + 1) % N
			od
		};
		if
		:: key[j] == EMPTY && used >= CAP ->
			/* full of vacated slots: the function stays on the slow
			 * path, the settle work compacts after a grace period */
			want_compact = 1
		:: else ->
			atomic {
				if
				:: key[j] == EMPTY -> used++
				:: else
				fi;
				tgt[j] = t;
				printf("MSC: set: target %d into slot %d (for key %d)\n", t, j, k)
			};
			atomic {
				key[j] = k;             /* Release: publish */
				printf("MSC: set: key %d, target %d in slot %d\n", k, t, j);
				live++;
				set_lv(k, t + 1)
			}
		fi
	fi;
	v = 0
}

/* Table::set_existing(k, 0): unsettle before a transition */
inline unsettle(k) {
	get_lv(k, v);
	if
	:: v != 0 && compacting -> set_lv(k, 1)
	:: v != 0 && !compacting -> find(k); atomic { tgt[j] = 0; set_lv(k, 1) }
	:: else
	fi;
	v = 0
}

/* Table::remove(k): the function left the hash, or its batch goes */
inline remove(k) {
	get_lv(k, v);
	if
	:: v != 0 && compacting -> set_lv(k, 0)
	:: v != 0 && !compacting ->
		find(k);
		tgt[j] = 0;
		atomic {
#ifdef NO_QUARANTINE
			key[j] = TOMB;
#else
			key[j] = QNEW;                  /* quarantined */
#endif
			printf("MSC: remove: key %d, slot %d vacated\n", k, j);
			live--;
			set_lv(k, 0)
		}
	:: else
	fi;
	v = 0
}

proctype Writer()
{
	byte j, c, v;
	do
	:: true -> set(KA, TA1)
	:: true -> set(KA, TA2)
	:: true -> set(KB, TB)
	:: true -> unsettle(KA)
	:: true -> unsettle(KB)
	:: true -> remove(KA)
	:: true -> remove(KB)
#ifndef NO_QUARANTINE
	/* The settle work, under the core mutex: Table::begin_grace. The
	 * slots vacated so far cool down; with a compaction due, every slot
	 * is cleared (the dispatchers miss and take the slow path) and the
	 * live entries wait in the writer's map. */
	:: !gp ->
		/* QNEW -> QOLD: no dispatcher can tell them apart */
		d_step {
			j = 0;
			do
			:: j < N ->
				if
				:: key[j] == QNEW -> key[j] = QOLD
				:: else
				fi;
				j++
			:: else -> break
			od
		};
#ifndef NO_COMPACT_GRACE
		if
		:: want_compact ->
			printf("MSC: compaction: every slot cleared\n");
			compacting = 1;
			j = 0;
			do
			:: j < N -> tgt[j] = 0; key[j] = EMPTY; j++
			:: else -> break
			od;
			used = 0;
			live = 0
		:: else
		fi;
#endif
		j = 0;
		atomic {
			hold[0] = in_disp[0]; hold[1] = in_disp[1]; gp = 1;
			printf("MSC: grace period begins (holdouts %d %d)\n", hold[0], hold[1])
		}
	/* ... outside the mutex, synchronize_rcu_tasks_rude() and
	 * synchronize_rcu_tasks() return; under the mutex again,
	 * Table::end_grace: cooled slots become reusable; a compaction puts
	 * the live entries back. */
	:: gp && hold[0] == 0 && hold[1] == 0 ->
		/* QOLD -> TOMB: no dispatcher can tell them apart */
		d_step {
			j = 0;
			do
			:: j < N ->
				if
				:: key[j] == QOLD -> key[j] = TOMB
				:: else
				fi;
				j++
			:: else -> break
			od
		};
		printf("MSC: grace period over: cooled slots reusable\n");
		if
		:: compacting -> refill(); compacting = 0; want_compact = 0
		:: else
		fi;
		j = 0;
		gp = 0
#ifdef NO_COMPACT_GRACE
	:: want_compact -> compact_in_place(); want_compact = 0
#endif
#endif
	od
}

init {
	atomic {
		run Writer();
		run Dispatcher(0, KA);
		run Dispatcher(1, KB)
	}
}
