import Descent
import Foundation

/// The class folders of a dataset laid out as `root/CLASS/…` (torchvision's `find_classes`): the visible
/// sub-folders of `root`, sorted by name, their order giving the class indices.
enum ClassFolders {
    /// The sorted names of `root`'s visible sub-folders; `what` says in the error what each sub-folder holds.
    ///
    /// - Throws: ``DescentError`` naming `root` when it is not a folder.
    static func names(in root: URL, holding what: String) throws -> [String] {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DescentError(.file, root.path, "no such folder (expected one sub-folder of \(what) per class)")
        }
        return try fm.contentsOfDirectory(atPath: root.path).filter { name in
            var dir: ObjCBool = false
            return !name.hasPrefix(".")
                && fm.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &dir) && dir.boolValue
        }.sorted()
    }
}
