/**
 * A scenario like the probe ladder, written by hand: fresh sessions, each saying a fact on
 * r1w1, then asking for it at one place: same worker, other worker, other replica, after a
 * restart, after a crash, after a redeploy of the replica; and two more facts of one session
 * said at once on r1w1 and r1w2, both asked for on r1w1.
 */
export const LADDER = `name: ladder
topology: { replicas: 2, workers: 2 }
steps:
  - { session: sw, user: "My codename is amber.", on: r1w1 }
  - { session: sw, user: "What is my codename?", on: r1w1, expect: { recall: [amber] } }
  - { session: ow, user: "My codename is birch.", on: r1w1 }
  - { session: ow, user: "What is my codename?", on: r1w2, expect: { recall: [birch] } }
  - { session: or, user: "My codename is cedar.", on: r1w1 }
  - { session: or, user: "What is my codename?", on: r2w1, expect: { recall: [cedar] } }
  - { session: rs, user: "My codename is dahlia.", on: r1w1 }
  - restart: r1w1
  - { session: rs, user: "What is my codename?", on: r1w1, expect: { recall: [dahlia] } }
  - { session: cr, user: "My codename is elm.", on: r1w1 }
  - crash: r1w1
  - { session: cr, user: "What is my codename?", on: r1w1, expect: { recall: [elm] } }
  - { session: rd, user: "My codename is fern.", on: r1w1 }
  - redeploy: r1
  - { session: rd, user: "What is my codename?", on: r1w1, expect: { recall: [fern] } }
  - { session: cc, user: "My codename is gorse.", on: r1w1 }
  - together:
      - { session: cc, user: "My second codename is hazel.", on: r1w1 }
      - { session: cc, user: "My third codename is iris.", on: r1w2 }
  - { session: cc, user: "What are my codenames?", on: r1w1, expect: { recall: [hazel, iris] } }
`;

export const RUNGS = ['SW', 'OW', 'OR', 'RS', 'CR', 'RD', 'CC'] as const;
