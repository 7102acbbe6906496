import Descent
import DescentData
import Foundation
import Testing

@Suite struct ImageWarpTests {
    /// An asymmetric 4×4 image: pixel (i, j) = 4i + j + 1.
    let square = Tensor((1...16).map(Float.init), shape: [1, 4, 4])

    @Test func identityParametersGiveTheIdentity() throws {
        let image = ImageTest.random([3, 5, 7])
        let out = try ImageWarp.affine(image, angle: 0)
        #expect(ImageTest.maxDiff(out, image) == 0)
        #expect(try ImageWarp.warp(image, inverse: .identity) == image)
    }

    @Test func ninetyDegreesIsTheExactClockwiseRotation() throws {
        let out = try ImageWarp.affine(square, angle: 90)
        var expected = [Float](repeating: 0, count: 16)
        for i in 0..<4 { for j in 0..<4 { expected[i * 4 + j] = square.scalars[(3 - j) * 4 + i] } }
        #expect(ImageTest.maxDiff(out, Tensor(expected, shape: [1, 4, 4])) < 1e-5)
        #expect(abs(out[index: 0, 0, 0] - 13) < 1e-5)  // bottom-left corner moves to the top-left
    }

    @Test func integerTranslationMovesPixelsExactly() throws {
        let image = ImageTest.random([2, 5, 6])
        let out = try ImageWarp.affine(image, angle: 0, translate: (x: 2, y: -1))
        for c in 0..<2 {
            for i in 0..<5 {
                for j in 0..<6 {
                    let si = i + 1, sj = j - 2
                    let expected: Float = (si < 5 && sj >= 0) ? image[index: c, si, sj] : 0
                    #expect(out[index: c, i, j] == expected)
                }
            }
        }
    }

    @Test func fillAppliesOutsideTheImage() throws {
        let image = Tensor.zeros([1, 3, 3])
        let out = try ImageWarp.affine(image, angle: 0, translate: (x: 1, y: 0), fill: 0.5)
        #expect(out.scalars == [0.5, 0, 0, 0.5, 0, 0, 0.5, 0, 0])
    }

    @Test func matrixInverseAndHomography() throws {
        let m = Matrix3.affine(
            angle: 33, translate: (x: 1, y: -2), scale: 1.3, shear: (x: 12, y: -4), center: (x: 2, y: 3))
        let product = (m * m.inverse!).entries
        for (a, b) in zip(product, Matrix3.identity.entries) { #expect(abs(a - b) < 1e-12) }
        let from: [(x: Double, y: Double)] = [(0, 0), (9, 0), (9, 7), (0, 7)]
        let to: [(x: Double, y: Double)] = [(1, 2), (8, 0), (9, 6), (0, 7)]
        let h = try #require(Matrix3.homography(from: from, to: to))
        for k in 0..<4 {
            let p = h.apply(from[k].x, from[k].y)
            #expect(abs(p.x - to[k].x) < 1e-9 && abs(p.y - to[k].y) < 1e-9)
        }
        #expect(Matrix3.homography(from: [(0, 0), (1, 1), (2, 2), (3, 3)], to: to) == nil)
    }

    @Test func resizeToTheSameSizeIsIdentityAndUpsamplesConstantImages() throws {
        let image = ImageTest.random([2, 4, 5])
        #expect(ImageTest.maxDiff(try ImageWarp.resize(image, height: 4, width: 5), image) < 1e-6)
        let constant = Tensor.full([3, 3], 0.25)
        let up = try ImageWarp.resize(constant, height: 7, width: 8)
        #expect(up.shape == [7, 8])
        #expect(up.scalars.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }

    /// Every case of `augment.json` (torchvision 0.29's `functional.affine`, `rotate`, `perspective`, `resize`).
    @Test func matchesTorchvision() throws {
        let cases = try ImageTest.fixtureCases()
        #expect(cases.count == 16)
        for c in cases {
            let shape = ImageTest.doubles(c["shape"]).map { Int($0) }
            let input = Tensor(ImageTest.doubles(c["input"]).map { Float($0) }, shape: shape)
            let expected = ImageTest.doubles(c["output"]).map { Float($0) }
            let out: Tensor
            switch c["op"] as! String {
            case "affine":
                let t = ImageTest.doubles(c["translate"]), sh = ImageTest.doubles(c["shear"])
                out = try ImageWarp.affine(
                    input, angle: c["angle"] as! Double, translate: (x: t[0], y: t[1]),
                    scale: c["scale"] as! Double, shear: (x: sh[0], y: sh[1]))
            case "rotate":
                out = try ImageWarp.affine(input, angle: -(c["angle"] as! Double))
            case "perspective":
                let points = { (key: String) in
                    (c[key] as! [[NSNumber]]).map { (x: $0[0].doubleValue, y: $0[1].doubleValue) }
                }
                out = try RandomPerspective.warp(input, start: points("start"), end: points("end"))
            default:
                let size = ImageTest.doubles(c["size"]).map { Int($0) }
                out = try ImageWarp.resize(input, height: size[0], width: size[1])
            }
            let diff = zip(out.scalars, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(out.count == expected.count)
            #expect(diff < 1e-5, "\(c["op"]!) on \(shape): max difference \(diff)")
        }
    }
}
