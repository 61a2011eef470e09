package zlibx

func (d *deflater) deflateStored() {}
