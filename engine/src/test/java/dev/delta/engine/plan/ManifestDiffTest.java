package dev.delta.engine.plan;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static dev.delta.engine.plan.Manifests.MTIME;
import static dev.delta.engine.plan.Manifests.file;
import static dev.delta.engine.plan.Manifests.manifest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestDiffTest {

    @Test
    void between_classifiesEveryKindOfChange() {
        Manifest old = manifest(1,
                file("same.txt", "a:10"),
                file("edited.txt", "b:10"),
                file("gone.txt", "c:10"),
                file("chmod.txt", "d:10"),
                file("becomes-dir", "e:10"),
                Entry.dir("docs", 0755, MTIME),
                Entry.symlink("link", "same.txt", MTIME));
        Manifest neu = manifest(2,
                file("same.txt", "a:10"),
                file("edited.txt", "b:10", "x:5"),
                Entry.file("chmod.txt", 0600, MTIME, 10, file("chmod.txt", "d:10").sha256(),
                        file("chmod.txt", "d:10").chunks()),
                Entry.dir("becomes-dir", 0755, MTIME),
                Entry.dir("docs", 0755, MTIME),
                Entry.symlink("link", "edited.txt", MTIME),
                file("new.txt", "f:10"));

        ManifestDiff d = ManifestDiff.between(old, neu);

        assertEquals(List.of(
                        "becomes-dir=type-change", "chmod.txt=metadata", "docs=unchanged", "edited.txt=update",
                        "gone.txt=delete", "link=update", "new.txt=add", "same.txt=unchanged"),
                d.all().stream().map(c -> c.path() + "=" + c.action().label()).collect(Collectors.toList()));
        assertEquals(6, d.changes().size());
        assertEquals(1, d.count(ChangeAction.ADD));
        assertEquals(2, d.count(ChangeAction.UPDATE));
        assertTrue(d.hasDifferences());
        PathChange gone = d.all().get(4);
        assertNull(gone.newEntry());
        assertEquals("gone.txt", gone.effective().path());
    }

    @Test
    void between_identicalManifestsHaveNoDifferences() {
        Manifest m = manifest(1, file("a", "a:1"), Entry.dir("d", 0755, MTIME));
        ManifestDiff d = ManifestDiff.between(m, m.withVersion(2, 1, 5));
        assertFalse(d.hasDifferences());
        assertEquals(2, d.count(ChangeAction.UNCHANGED));
    }

    @Test
    void between_nullOldMeansEverythingAdded() {
        Manifest m = manifest(1, file("a", "a:1"), Entry.dir("d", 0755, MTIME));
        ManifestDiff d = ManifestDiff.between(null, m);
        assertEquals(2, d.count(ChangeAction.ADD));
    }

    @Test
    void between_mtimeOnlyChangeIsMetadata() {
        Manifest a = manifest(1, Entry.dir("d", 0755, MTIME));
        Manifest b = manifest(2, Entry.dir("d", 0755, MTIME + 1));
        assertEquals(ChangeAction.METADATA, ManifestDiff.between(a, b).all().get(0).action());
    }

    @Test
    void between_ordersParentBeforeChildrenAndSiblingsWithPunctuation() {
        Manifest a = manifest(1, file("a-b", "1:1"), file("a/b", "2:1"));
        Manifest b = manifest(2, Entry.dir("a", 0755, MTIME), file("a/b", "2:1"), file("a-b", "1:1"));
        assertEquals(List.of("a", "a/b", "a-b"),
                ManifestDiff.between(a, b).all().stream().map(PathChange::path).collect(Collectors.toList()));
    }
}
