/** The tsbgp release; the ExaBGP API version string it speaks is 5.0.0 (see lib/api/json.ts). */
export const VERSION = "0.1.0";
