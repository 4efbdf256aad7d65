package dev.delta.protocol.handler;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The credit arithmetic on both sides of a connection. */
class CreditTest {
    @Test
    void sendCredit_spendsAndRegains_neverPastWindow() {
        SendCredit c = new SendCredit(1000);
        assertTrue(c.canSend(1000));
        c.consume(600);
        assertFalse(c.canSend(401));
        assertThrows(IllegalStateException.class, () -> c.consume(401));
        c.add(600);
        assertEquals(1000, c.available());
        FlowControlException e = assertThrows(FlowControlException.class, () -> c.add(1));
        assertTrue(e.getMessage().contains("exceeds the window 1000"), e.getMessage());
    }

    @Test
    void receiveWindow_batchesCreditInQuarters() {
        ReceiveWindow w = new ReceiveWindow(1000);
        w.received(600);
        assertEquals(0, w.consumed(200));
        assertEquals(250, w.consumed(50));
        assertEquals(0, w.consumed(100));
        w.received(650);
        assertThrows(FlowControlException.class, () -> w.received(1), "consumed but uncredited bytes still count");
        assertEquals(300, w.consumed(200), "100 left over plus 200");
        w.received(300);
        assertThrows(FlowControlException.class, () -> w.received(1));
    }

    @Test
    void receiveWindow_overrun_isFlowControlError() {
        ReceiveWindow w = new ReceiveWindow(100);
        FlowControlException e = assertThrows(FlowControlException.class, () -> w.received(101));
        assertTrue(e.getMessage().contains("beyond the window 100"), e.getMessage());
    }
}
