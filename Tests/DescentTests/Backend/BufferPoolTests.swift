import Testing

@testable import Descent

@Suite struct BufferPoolTests {
    /// A freed buffer is kept and handed out again for the same mapped length; buffers are page-aligned.
    @Test func reusesAFreedBufferOfTheSameLength() {
        let pool = BufferPool(headroom: 8 << 20)
        let bytes = 3 << 20
        let a = pool.allocate(bytes)
        #expect(Int(bitPattern: a) % BufferPool.pageSize == 0)
        #expect(pool.bytesInUse == bytes)
        pool.deallocate(a, bytes: bytes)
        #expect(pool.keptBytes == bytes && pool.bytesInUse == 0)
        let b = pool.allocate(bytes - 100)  // the same number of pages
        #expect(b == a)
        #expect(pool.keptBytes == 0)
        let c = pool.allocate(2 << 20)  // another length: a new mapping
        #expect(c != a)
        pool.deallocate(b, bytes: bytes - 100)
        pool.deallocate(c, bytes: 2 << 20)
        #expect(pool.keptBytes == 5 << 20)
    }

    /// Resident bytes (in use + kept) stay within the high-water mark of the bytes in use plus the headroom: a
    /// buffer freed beyond it is unmapped, and a new mapping first unmaps kept buffers, the largest first.
    @Test func staysWithinHighWaterPlusHeadroom() {
        let mb = 1 << 20
        let pool = BufferPool(headroom: 2 * mb)
        let big = pool.allocate(4 * mb), small = pool.allocate(mb)  // high water: 5 MB, budget 7 MB
        pool.deallocate(big, bytes: 4 * mb)
        pool.deallocate(small, bytes: mb)
        #expect(pool.keptBytes == 5 * mb)
        let other = pool.allocate(3 * mb)  // 3 + 5 kept > 7: the 4 MB buffer goes
        #expect(pool.keptBytes == mb && pool.bytesInUse == 3 * mb)
        let again = pool.allocate(mb)
        #expect(again == small)
        let more = pool.allocate(2 * mb)  // 6 MB in use: the high water and the budget grow
        pool.deallocate(more, bytes: 2 * mb)
        pool.deallocate(again, bytes: mb)
        pool.deallocate(other, bytes: 3 * mb)
        #expect(pool.keptBytes == 6 * mb && pool.bytesInUse == 0)
        let extra = pool.allocate(5 * mb)  // 5 in use + 6 kept > 8: the 3 MB buffer goes
        #expect(pool.keptBytes == 3 * mb)
        pool.deallocate(extra, bytes: 5 * mb)
        #expect(pool.keptBytes == 8 * mb)
    }

    /// Large tensors come from the shared pool: a reused buffer is overwritten by each operation, and `zeros`
    /// is zero even where the previous user left values.
    @Test func largeTensorsFromReusedBuffersHoldTheirValues() {
        let count = BufferPool.minimumBytes / 4 * 2
        for round in 0..<3 {
            let filled = Tensor.full([count], Float(round + 7))
            #expect(filled.scalars.allSatisfy { $0 == Float(round + 7) })
            let doubled = filled + filled
            #expect(doubled.scalars.allSatisfy { $0 == Float(2 * (round + 7)) })
        }
        let zeros = Tensor.zeros([count])
        #expect(zeros.scalars.allSatisfy { $0 == 0 })
        let x = Tensor((0..<count).map { Float($0 % 97) }, shape: [count])
        #expect(x.relu().scalars == x.scalars)
    }
}
