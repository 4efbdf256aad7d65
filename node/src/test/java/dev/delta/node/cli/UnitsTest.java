package dev.delta.node.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UnitsTest {
    @Test
    void percent_isNeverAllOrNothingWhenItIsNot() {
        assertEquals("99.9%", Units.percent(199_989, 200_000), "99.994%: 11 bytes are still to fetch");
        assertEquals("100.0%", Units.percent(200_000, 200_000));
        assertEquals("0.1%", Units.percent(1, 200_000));
        assertEquals("0.0%", Units.percent(0, 200_000));
        assertEquals("50.0%", Units.percent(1, 2));
        assertEquals("33.3%", Units.percent(1, 3));
        assertEquals("66.7%", Units.percent(2, 3));
        assertEquals("0%", Units.percent(0, 0));
    }
}
