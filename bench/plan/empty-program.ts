// The floor for the plan benchmark: a Pulumi program that declares nothing.
export const nothing = 0;
