/** What time it is for the rules: the system's on AWS, a movable one on the local stack. */
export interface Clock {
  now(): Date;
}
