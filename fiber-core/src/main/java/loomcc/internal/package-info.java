/** Not API. Small helpers shared by loomcc's modules; may change in any release. */
package loomcc.internal;
