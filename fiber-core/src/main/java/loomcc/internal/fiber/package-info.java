/** Not API. Pieces of the fiber runtime that users only ever see in stack traces. */
package loomcc.internal.fiber;
