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
    void receiveWindow_batchesCreditInHalves() {
        ReceiveWindow w = new ReceiveWindow(1000);
        w.received(600);
        assertEquals(0, w.consumed(400));
        assertEquals(500, w.consumed(100));
        assertEquals(0, w.consumed(100));
        w.received(900);
        assertThrows(FlowControlException.class, () -> w.received(1), "consumed but uncredited bytes still count");
        assertEquals(550, w.consumed(450), "100 left over plus 450");
        w.received(550);
        assertThrows(FlowControlException.class, () -> w.received(1));
    }

    @Test
    void receiveWindow_smallerThanTwoPieces_returnsCreditSoonerSoTheSenderCanSendAWholePiece() {
        ReceiveWindow w = new ReceiveWindow(1000, 800);
        SendCredit sender = new SendCredit(1000);
        // pieces of 300 against a largest piece of 800: the sender may only send while it holds 800
        sender.consume(300);
        w.received(300);
        assertFalse(sender.canSend(800));
        long inc = w.consumed(300);
        assertEquals(300, inc, "credit once 200 (window minus largest piece) is held back");
        sender.add(inc);
        assertTrue(sender.canSend(800));
        assertEquals(1, new ReceiveWindow(1000, 1000).consumed(1), "window of one piece: credit every byte");
    }

    @Test
    void receiveWindow_overrun_isFlowControlError() {
        ReceiveWindow w = new ReceiveWindow(100);
        FlowControlException e = assertThrows(FlowControlException.class, () -> w.received(101));
        assertTrue(e.getMessage().contains("beyond the window 100"), e.getMessage());
    }
}
