;; C = act(A B + bias) for row-major float32 A [M, K], B [K, N], C [M, N] in
;; the wasm backend's memory, with 128-bit SIMD: tiles of 4 rows by 8 columns
;; held in 8 accumulators (row r, columns 0-3 and 4-7: $acc{r}0, $acc{r}1),
;; B read in place (no packing), and, in the `relaxed` variant (relaxed SIMD),
;; fused multiply-adds: relaxed_madd(s, b, acc) = s b + acc.
;;
;; Needs M % 4 == 0 and N % 8 == 0 (callers check). $flags: bit 0 ReLU,
;; bit 1 add $bias [N]. Pointers are byte offsets.
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "matmul")
    (param $a i32) (param $b i32) (param $c i32) (param $bias i32)
    (param $m i32) (param $n i32) (param $k i32) (param $flags i32)
    (local $jb i32)  ;; the tile's first column, in bytes
    (local $n4 i32) (local $k4 i32)  ;; N and K in bytes
    (local $i i32)  ;; the tile's first row
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)  ;; rows i..i+3 of A
    (local $bp i32)  ;; B[k, jb]
    (local $kb i32)  ;; k in bytes
    (local $cp i32)  ;; C[i + r, jb]
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128) (local $zero v128)
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (local.set $n4 (i32.mul (local.get $n) (i32.const 4)))
    (local.set $k4 (i32.mul (local.get $k) (i32.const 4)))
    (local.set $jb (i32.const 0))
    (block $columns_done
      (loop $next_columns  ;; columns, 8 at a time
        (br_if $columns_done (i32.ge_u (local.get $jb) (local.get $n4)))
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $next_rows  ;; rows, 4 at a time
            (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
            (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $k4))))
            (local.set $a1 (i32.add (local.get $a0) (local.get $k4)))
            (local.set $a2 (i32.add (local.get $a1) (local.get $k4)))
            (local.set $a3 (i32.add (local.get $a2) (local.get $k4)))
            (local.set $bp (i32.add (local.get $b) (local.get $jb)))
            (local.set $acc00 (local.get $zero))
            (local.set $acc01 (local.get $zero))
            (local.set $acc10 (local.get $zero))
            (local.set $acc11 (local.get $zero))
            (local.set $acc20 (local.get $zero))
            (local.set $acc21 (local.get $zero))
            (local.set $acc30 (local.get $zero))
            (local.set $acc31 (local.get $zero))
            (local.set $kb (i32.const 0))
            (block $k_done
              (loop $next_k  ;; the shared dimension
                (br_if $k_done (i32.ge_u (local.get $kb) (local.get $k4)))
                (local.set $b0 (v128.load offset=0 (local.get $bp)))  ;; B[k, jb..jb+3]
                (local.set $b1 (v128.load offset=16 (local.get $bp)))  ;; B[k, jb+4..jb+7]
                (local.set $s (v128.load32_splat (i32.add (local.get $a0) (local.get $kb))))  ;; A[i + 0, k] in every lane
                (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (local.get $b0))))  ;; @if !relaxed
                (local.set $acc00 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $acc00)))  ;; @if relaxed
                (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (local.get $b1))))  ;; @if !relaxed
                (local.set $acc01 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $acc01)))  ;; @if relaxed
                (local.set $s (v128.load32_splat (i32.add (local.get $a1) (local.get $kb))))  ;; A[i + 1, k] in every lane
                (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $s) (local.get $b0))))  ;; @if !relaxed
                (local.set $acc10 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $acc10)))  ;; @if relaxed
                (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $s) (local.get $b1))))  ;; @if !relaxed
                (local.set $acc11 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $acc11)))  ;; @if relaxed
                (local.set $s (v128.load32_splat (i32.add (local.get $a2) (local.get $kb))))  ;; A[i + 2, k] in every lane
                (local.set $acc20 (f32x4.add (local.get $acc20) (f32x4.mul (local.get $s) (local.get $b0))))  ;; @if !relaxed
                (local.set $acc20 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $acc20)))  ;; @if relaxed
                (local.set $acc21 (f32x4.add (local.get $acc21) (f32x4.mul (local.get $s) (local.get $b1))))  ;; @if !relaxed
                (local.set $acc21 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $acc21)))  ;; @if relaxed
                (local.set $s (v128.load32_splat (i32.add (local.get $a3) (local.get $kb))))  ;; A[i + 3, k] in every lane
                (local.set $acc30 (f32x4.add (local.get $acc30) (f32x4.mul (local.get $s) (local.get $b0))))  ;; @if !relaxed
                (local.set $acc30 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $acc30)))  ;; @if relaxed
                (local.set $acc31 (f32x4.add (local.get $acc31) (f32x4.mul (local.get $s) (local.get $b1))))  ;; @if !relaxed
                (local.set $acc31 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $acc31)))  ;; @if relaxed
                (local.set $bp (i32.add (local.get $bp) (local.get $n4)))
                (local.set $kb (i32.add (local.get $kb) (i32.const 4)))
                (br $next_k)))
            (local.set $cp
              (i32.add
                (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $n4)))
                (local.get $jb)))
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
            (local.set $cp (i32.add (local.get $cp) (local.get $n4)))
            (v128.store offset=0 (local.get $cp) (local.get $acc10))
            (v128.store offset=16 (local.get $cp) (local.get $acc11))
            (local.set $cp (i32.add (local.get $cp) (local.get $n4)))
            (v128.store offset=0 (local.get $cp) (local.get $acc20))
            (v128.store offset=16 (local.get $cp) (local.get $acc21))
            (local.set $cp (i32.add (local.get $cp) (local.get $n4)))
            (v128.store offset=0 (local.get $cp) (local.get $acc30))
            (v128.store offset=16 (local.get $cp) (local.get $acc31))
            (local.set $cp (i32.add (local.get $cp) (local.get $n4)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $next_rows)))
        (local.set $jb (i32.add (local.get $jb) (i32.const 32)))
        (br $next_columns))))
)
