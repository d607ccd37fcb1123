;; C (+)= act(A B + bias) for float32 matrices at byte offsets in the wasm
;; backend's memory, with strides, for the convolutions: A [M, K] with
;; A[i, k] at a + i sai + k sak (so A may be read transposed: sai = 4 reads
;; columns of a row-major matrix), B [K, N] with B[k, j] at b + k ldb + 4 j,
;; C [M, N] with C[i, j] at c + i ldc + 4 j.
;;
;; Tiles of 4 rows by 8 columns held in 8 accumulators (row r, columns 0-3 and
;; 4-7: $acc{r}0, $acc{r}1); the loop over rows is the outer one, so a panel
;; of B (K x N, the caller keeps K small enough that it stays in cache) is
;; reused by every row tile. In the `relaxed` variant (relaxed SIMD), fused
;; multiply-adds: relaxed_madd(s, b, acc) = s b + acc.
;;
;; Needs M % 4 == 0 and N % 8 == 0 (callers pad). $flags: bit 0 ReLU, bit 1
;; add $bias [N], bit 2 accumulate (C += A B, the caller's blocks over K).
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "gemm")
    (param $a i32) (param $sai i32) (param $sak i32)
    (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32)
    (param $bias i32) (param $m i32) (param $n i32) (param $k i32) (param $flags i32)
    (local $i i32)  ;; the tile's first row
    (local $jb i32)  ;; the tile's first column, in bytes
    (local $n4 i32)  ;; N in bytes
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)  ;; A[i + r, 0]
    (local $ka i32)  ;; k sak
    (local $bp i32)  ;; B[k, jb]
    (local $kk i32)  ;; k steps left
    (local $crow i32)  ;; C[i, 0]
    (local $cp i32)  ;; C[i + r, jb]
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128) (local $zero v128)
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (local.set $n4 (i32.mul (local.get $n) (i32.const 4)))
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $next_rows  ;; rows, 4 at a time
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
        (local.set $a1 (i32.add (local.get $a0) (local.get $sai)))
        (local.set $a2 (i32.add (local.get $a1) (local.get $sai)))
        (local.set $a3 (i32.add (local.get $a2) (local.get $sai)))
        (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $jb (i32.const 0))
        (block $columns_done
          (loop $next_columns  ;; columns, 8 at a time
            (br_if $columns_done (i32.ge_u (local.get $jb) (local.get $n4)))
            (local.set $cp (i32.add (local.get $crow) (local.get $jb)))
            (if (i32.and (local.get $flags) (i32.const 4))  ;; accumulate: start from C
              (then
                (local.set $acc00 (v128.load offset=0 (local.get $cp)))
                (local.set $acc01 (v128.load offset=16 (local.get $cp)))
                (local.set $acc10 (v128.load offset=0 (i32.add (local.get $cp) (local.get $ldc))))
                (local.set $acc11 (v128.load offset=16 (i32.add (local.get $cp) (local.get $ldc))))
                (local.set $acc20 (v128.load offset=0 (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1)))))
                (local.set $acc21 (v128.load offset=16 (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1)))))
                (local.set $acc30 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3)))))
                (local.set $acc31 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))))))
              (else
                (local.set $acc00 (local.get $zero))
                (local.set $acc01 (local.get $zero))
                (local.set $acc10 (local.get $zero))
                (local.set $acc11 (local.get $zero))
                (local.set $acc20 (local.get $zero))
                (local.set $acc21 (local.get $zero))
                (local.set $acc30 (local.get $zero))
                (local.set $acc31 (local.get $zero))))
            (local.set $bp (i32.add (local.get $b) (local.get $jb)))
            (local.set $ka (i32.const 0))
            (local.set $kk (local.get $k))
            (block $k_done
              (loop $next_k  ;; the shared dimension
                (br_if $k_done (i32.eqz (local.get $kk)))
                (local.set $b0 (v128.load offset=0 (local.get $bp)))  ;; B[k, jb..jb+3]
                (local.set $b1 (v128.load offset=16 (local.get $bp)))  ;; B[k, jb+4..jb+7]
                (local.set $s (v128.load32_splat (i32.add (local.get $a0) (local.get $ka))))  ;; A[i + 0, k] in every lane
                (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (local.get $b0))))  ;; @if !relaxed
                (local.set $acc00 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $acc00)))  ;; @if relaxed
                (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (local.get $b1))))  ;; @if !relaxed
                (local.set $acc01 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $acc01)))  ;; @if relaxed
                (local.set $s (v128.load32_splat (i32.add (local.get $a1) (local.get $ka))))  ;; A[i + 1, k] in every lane
                (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $s) (local.get $b0))))  ;; @if !relaxed
                (local.set $acc10 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $acc10)))  ;; @if relaxed
                (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $s) (local.get $b1))))  ;; @if !relaxed
                (local.set $acc11 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $acc11)))  ;; @if relaxed
                (local.set $s (v128.load32_splat (i32.add (local.get $a2) (local.get $ka))))  ;; A[i + 2, k] in every lane
                (local.set $acc20 (f32x4.add (local.get $acc20) (f32x4.mul (local.get $s) (local.get $b0))))  ;; @if !relaxed
                (local.set $acc20 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $acc20)))  ;; @if relaxed
                (local.set $acc21 (f32x4.add (local.get $acc21) (f32x4.mul (local.get $s) (local.get $b1))))  ;; @if !relaxed
                (local.set $acc21 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $acc21)))  ;; @if relaxed
                (local.set $s (v128.load32_splat (i32.add (local.get $a3) (local.get $ka))))  ;; A[i + 3, k] in every lane
                (local.set $acc30 (f32x4.add (local.get $acc30) (f32x4.mul (local.get $s) (local.get $b0))))  ;; @if !relaxed
                (local.set $acc30 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $acc30)))  ;; @if relaxed
                (local.set $acc31 (f32x4.add (local.get $acc31) (f32x4.mul (local.get $s) (local.get $b1))))  ;; @if !relaxed
                (local.set $acc31 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $acc31)))  ;; @if relaxed
                (local.set $bp (i32.add (local.get $bp) (local.get $ldb)))
                (local.set $ka (i32.add (local.get $ka) (local.get $sak)))
                (local.set $kk (i32.sub (local.get $kk) (i32.const 1)))
                (br $next_k)))
            (if (i32.and (local.get $flags) (i32.const 2))  ;; + bias
              (then
                (local.set $b0 (v128.load offset=0 (i32.add (local.get $bias) (local.get $jb))))
                (local.set $b1 (v128.load offset=16 (i32.add (local.get $bias) (local.get $jb))))
                (local.set $acc00 (f32x4.add (local.get $acc00) (local.get $b0)))
                (local.set $acc01 (f32x4.add (local.get $acc01) (local.get $b1)))
                (local.set $acc10 (f32x4.add (local.get $acc10) (local.get $b0)))
                (local.set $acc11 (f32x4.add (local.get $acc11) (local.get $b1)))
                (local.set $acc20 (f32x4.add (local.get $acc20) (local.get $b0)))
                (local.set $acc21 (f32x4.add (local.get $acc21) (local.get $b1)))
                (local.set $acc30 (f32x4.add (local.get $acc30) (local.get $b0)))
                (local.set $acc31 (f32x4.add (local.get $acc31) (local.get $b1)))))
            (if (i32.and (local.get $flags) (i32.const 1))  ;; ReLU
              (then
                (local.set $acc00 (f32x4.max (local.get $acc00) (local.get $zero)))
                (local.set $acc01 (f32x4.max (local.get $acc01) (local.get $zero)))
                (local.set $acc10 (f32x4.max (local.get $acc10) (local.get $zero)))
                (local.set $acc11 (f32x4.max (local.get $acc11) (local.get $zero)))
                (local.set $acc20 (f32x4.max (local.get $acc20) (local.get $zero)))
                (local.set $acc21 (f32x4.max (local.get $acc21) (local.get $zero)))
                (local.set $acc30 (f32x4.max (local.get $acc30) (local.get $zero)))
                (local.set $acc31 (f32x4.max (local.get $acc31) (local.get $zero)))))
            (v128.store offset=0 (local.get $cp) (local.get $acc00))
            (v128.store offset=16 (local.get $cp) (local.get $acc01))
            (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
            (v128.store offset=0 (local.get $cp) (local.get $acc10))
            (v128.store offset=16 (local.get $cp) (local.get $acc11))
            (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
            (v128.store offset=0 (local.get $cp) (local.get $acc20))
            (v128.store offset=16 (local.get $cp) (local.get $acc21))
            (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
            (v128.store offset=0 (local.get $cp) (local.get $acc30))
            (v128.store offset=16 (local.get $cp) (local.get $acc31))
            (local.set $jb (i32.add (local.get $jb) (i32.const 32)))
            (br $next_columns)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next_rows))))
)
