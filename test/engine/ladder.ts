/**
 * A scenario like the probe ladder, written by hand: fresh sessions, each saying a fact on
 * r1w1, then, after a pause for the save to land (the probe's SAVE_PAUSE_MS), asking for it at
 * one place: same worker, other worker, other replica, after a restart, after a crash, after a
 * redeploy of the replica; one more crashed at once after the answer (CI, no pause); and two more
 * facts of one session said at once on r1w1 and r1w2, both asked for on r1w1.
 */
export const LADDER = `name: ladder
topology: { replicas: 2, workers: 2 }
steps:
  - { session: sw, user: "My codename is amber.", on: r1w1 }
  - wait: 500ms
  - { session: sw, user: "What is my codename?", on: r1w1, expect: { recall: [amber] } }
  - { session: ow, user: "My codename is birch.", on: r1w1 }
  - wait: 500ms
  - { session: ow, user: "What is my codename?", on: r1w2, expect: { recall: [birch] } }
  - { session: or, user: "My codename is cedar.", on: r1w1 }
  - wait: 500ms
  - { session: or, user: "What is my codename?", on: r2w1, expect: { recall: [cedar] } }
  - { session: rs, user: "My codename is dahlia.", on: r1w1 }
  - wait: 500ms
  - restart: r1w1
  - { session: rs, user: "What is my codename?", on: r1w1, expect: { recall: [dahlia] } }
  - { session: cr, user: "My codename is elm.", on: r1w1 }
  - wait: 500ms
  - crash: r1w1
  - { session: cr, user: "What is my codename?", on: r1w1, expect: { recall: [elm] } }
  - { session: ci, user: "My codename is fig.", on: r1w1 }
  - crash: r1w1
  - { session: ci, user: "What is my codename?", on: r1w1, expect: { recall: [fig] } }
  - { session: rd, user: "My codename is fern.", on: r1w1 }
  - wait: 500ms
  - redeploy: r1
  - { session: rd, user: "What is my codename?", on: r1w1, expect: { recall: [fern] } }
  - { session: cc, user: "My codename is gorse.", on: r1w1 }
  - together:
      - { session: cc, user: "My second codename is hazel.", on: r1w1 }
      - { session: cc, user: "My third codename is iris.", on: r1w2 }
  - wait: 500ms
  - { session: cc, user: "What are my codenames?", on: r1w1, expect: { recall: [hazel, iris] } }
`;

export const RUNGS = ['SW', 'OW', 'OR', 'RS', 'CR', 'CI', 'RD', 'CC'] as const;
