package dev.delta.node.edge;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllOrFirstFailureTest {
    @Test
    void completesOnceEveryRequestHas() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        CompletableFuture<Void> all = Syncer.allOrFirstFailure(List.of(a, b));
        a.complete("x");
        assertFalse(all.isDone());
        b.complete(1);
        assertTrue(all.isDone() && !all.isCompletedExceptionally());
        assertTrue(Syncer.allOrFirstFailure(List.of()).isDone());
    }

    @Test
    void failsAtTheFirstFailure_withoutWaitingForTheRest() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        CompletableFuture<Void> all = Syncer.allOrFirstFailure(List.of(a, b));
        IllegalStateException boom = new IllegalStateException("boom");
        b.completeExceptionally(boom);
        ExecutionException e = assertThrows(ExecutionException.class, all::get);
        assertSame(boom, e.getCause());
        assertFalse(a.isDone());
    }
}
