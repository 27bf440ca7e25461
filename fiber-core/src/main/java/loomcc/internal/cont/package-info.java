/**
 * Not API. The backends under {@link loomcc.cont.Prompt}: the JDK continuation engine and the
 * virtual-thread hand-off, and the rule that picks one. May change in any release.
 */
package loomcc.internal.cont;
