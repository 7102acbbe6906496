import Foundation
import Testing

@testable import Descent

@Suite struct UnaryTests {
    /// Forward values and gradients against PyTorch (core.json, group "unary"); relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "unary") { name, x in
            switch name {
            case "exp": return [x[0].exp()]
            case "log": return [x[0].log()]
            case "sqrt": return [x[0].sqrt()]
            case "rsqrt": return [x[0].rsqrt()]
            case "abs": return [x[0].abs()]
            case "sign": return [x[0].sign()]
            case "tanh": return [x[0].tanh()]
            case "sigmoid": return [x[0].sigmoid()]
            case "relu": return [x[0].relu()]
            case "clamp": return [x[0].clamp(min: -0.5, max: 0.5)]
            case "clamp_min": return [x[0].clamp(min: -0.25)]
            case "clamp_max": return [x[0].clamp(max: 0.3)]
            case "sin": return [x[0].sin()]
            case "cos": return [x[0].cos()]
            case "squared": return [x[0].squared()]
            default: return nil
            }
        }
        #expect(names.count == 15)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([2, 3], seed: 11), p = TestData.positive([3, 2], seed: 12, minimum: 0.3)
        let k = TestData.away(from: [0], [2, 3], seed: 13)
        let c = TestData.away(from: [-0.4, 0.6], [3, 4], seed: 14)
        expectGradientsMatchFiniteDifferences([x], "exp") { TestData.weightedSum($0[0].exp()) }
        expectGradientsMatchFiniteDifferences([p], "log") { TestData.weightedSum($0[0].log()) }
        expectGradientsMatchFiniteDifferences([p], "sqrt") { TestData.weightedSum($0[0].sqrt()) }
        expectGradientsMatchFiniteDifferences([p], "rsqrt") { TestData.weightedSum($0[0].rsqrt()) }
        expectGradientsMatchFiniteDifferences([k], "abs") { TestData.weightedSum($0[0].abs()) }
        expectGradientsMatchFiniteDifferences([k], "sign") { TestData.weightedSum($0[0].sign() + $0[0]) }
        expectGradientsMatchFiniteDifferences([x * 2], "tanh") { TestData.weightedSum($0[0].tanh()) }
        expectGradientsMatchFiniteDifferences([x * 3], "sigmoid") { TestData.weightedSum($0[0].sigmoid()) }
        expectGradientsMatchFiniteDifferences([k], "relu") { TestData.weightedSum($0[0].relu()) }
        expectGradientsMatchFiniteDifferences([c], "clamp") { TestData.weightedSum($0[0].clamp(min: -0.4, max: 0.6)) }
        expectGradientsMatchFiniteDifferences([c], "clamp min") { TestData.weightedSum($0[0].clamp(min: -0.4)) }
        expectGradientsMatchFiniteDifferences([c], "clamp max") { TestData.weightedSum($0[0].clamp(max: 0.6)) }
        expectGradientsMatchFiniteDifferences([x * 2], "sin") { TestData.weightedSum($0[0].sin()) }
        expectGradientsMatchFiniteDifferences([x * 2], "cos") { TestData.weightedSum($0[0].cos()) }
        expectGradientsMatchFiniteDifferences([x], "squared") { TestData.weightedSum($0[0].squared()) }
        expectGradientsMatchFiniteDifferences([x], "chain") { TestData.weightedSum(($0[0].tanh() * 2).exp().sin()) }
    }

    /// PyTorch's conventions at the kinks: sign(0) = 0, abs′(0) = 0, relu′(0) = 0, clamp′ = 1 on a bound.
    @Test func derivativesAtKinks() {
        let x = Tensor([0, -2, 2, 1]).requiringGrad()
        #expect(x.sign().scalars == [0, -1, 1, 1])
        x.abs().sum().backward()
        #expect(x.grad?.scalars == [0, -1, 1, 1])
        x.zeroGrad()
        x.relu().sum().backward()
        #expect(x.grad?.scalars == [0, 0, 1, 1])
        x.zeroGrad()
        let c = x.clamp(min: -2, max: 1)
        #expect(c.scalars == [0, -2, 1, 1])
        c.sum().backward()
        #expect(x.grad?.scalars == [1, 1, 0, 1])
    }

    @Test func extremeInputsStayFinite() {
        let x = Tensor([-200, -30, 0, 30, 200])
        let s = x.sigmoid().scalars
        #expect(s.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        #expect(s[0] == 0 && s[2] == 0.5 && s[4] == 1)
        #expect(x.tanh().scalars == [-1, -1, 0, 1, 1])
        #expect(Tensor([0]).log().item == -.infinity)
        #expect(Tensor([-1]).sqrt().item.isNaN)
        #expect(Tensor([4, 0.25]).rsqrt().scalars == [0.5, 2])
    }

    @Test func exactValues() {
        #expect(Tensor([1, 4, 9]).sqrt().scalars == [1, 2, 3])
        #expect(Tensor([0]).exp().item == 1)
        #expect(Tensor([-3, 3]).abs().scalars == [3, 3])
        #expect(Tensor([-1, 0.5, 3]).clamp(min: 0, max: 1).scalars == [0, 0.5, 1])
        #expect(Tensor([-1, 0.5, 3]).relu().scalars == [0, 0.5, 3])
        #expect(Tensor([-3]).squared().item == 9)
    }
}
