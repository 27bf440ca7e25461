package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void surefirePassesTheFlagAndAFiberServerEchoes() {
        assertTrue(Main.fullSpeed(), "the argLine should open jdk.internal.vm to loomcc");
        assertEquals("hi", Main.echoOnce("hi"));
    }
}
